"""textlake: raw web-page text files in, clean, segmented, validated Parquet datasets out.

The package is the product's core. It imports no Airflow, so the same stage functions
serve the DAG, the command line and the benchmarks.
"""

__version__ = "0.1.0"

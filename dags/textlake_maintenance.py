"""
### textlake_maintenance: keep the datasets fast to read and the history bounded

Every ingest run adds its own files to each partition, so a busy landing leaves many
small files. Once a day this DAG merges every partition holding at least
`min_files` files into a few large ones. Readers see exactly the same rows before,
during and after: the new day directory is swapped in atomically. It skips while an
ingest run is staged, and tries again at the next schedule.

It also removes validation results, their Data Docs pages and corpus reports older than
`keep_days` (`retention_days` in the YAML): the Data Docs index is rebuilt over what is kept,
and the report `latest` points at always stays.
"""

from __future__ import annotations

import datetime as dt

import pendulum
from airflow.sdk import Param, dag, task

from textlake.config import PipelineConfig
from textlake_airflow import outcome, skip, task_defaults

DEFAULTS = PipelineConfig.from_overrides(check=False)


@dag(
    dag_id="textlake_maintenance",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["textlake", "maintenance"],
    params={
        "output": Param(
            DEFAULTS.output,
            type="string",
            minLength=1,
            title="Output location",
            description="The datasets' folder (local or network file system).",
        ),
        "min_files": Param(
            8,
            type="integer",
            minimum=2,
            title="Files per partition",
            description="Compact a partition once it holds at least this many files.",
        ),
        "keep_days": Param(
            DEFAULTS.retention_days,
            type="number",
            minimum=0,
            title="Keep quality history (days)",
            description="Validation results, Data Docs pages and corpus reports older than this are removed.",
        ),
    },
    default_args=task_defaults(timeout=dt.timedelta(hours=2)),
)
def textlake_maintenance():
    @task
    def compact_partitions(params=None) -> dict:
        """Merge crowded partitions into few files, atomically."""
        from textlake.compact import RunInFlight, compact

        with outcome():
            config = PipelineConfig.from_overrides({"output": params["output"]})
        try:
            return compact(config.output, min_files=params["min_files"])
        except RunInFlight as exc:
            skip(str(exc))

    @task
    def prune_history(params=None) -> dict:
        """Remove validation results, Data Docs pages and reports older than `keep_days`."""
        from textlake.retention import prune_history

        with outcome():
            config = PipelineConfig.from_overrides({"output": params["output"]})
        return prune_history(config.work_dir, params["keep_days"])

    compact_partitions()
    prune_history()


textlake_maintenance()

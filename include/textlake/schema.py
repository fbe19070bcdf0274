"""The data contract: one explicit Arrow schema per published dataset.

Every batch is cast to these schemas before it is written, because letting pyarrow
infer types batch by batch (an all-null column becomes type `null`) produces files
that no reader can combine. Timestamps are microseconds in UTC: Spark refuses
nanoseconds. Partition columns (`ingest_date`, `source`) live in the directory
names only, never inside the files, which keeps pandas able to read the datasets.
Every file is written with the same settings (`write_parquet`), by the shard workers
too, which is why this module needs nothing heavier than pyarrow.parquet.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

TIMESTAMP = pa.timestamp("us", tz="UTC")

DOCUMENTS = pa.schema(
    [
        ("doc_id", pa.string()),
        ("source_uri", pa.string()),
        ("content_sha256", pa.string()),
        ("source_name", pa.string()),
        ("title", pa.string()),
        ("published_date", pa.date32()),
        ("language", pa.string()),
        ("body", pa.large_string()),
        ("n_paragraphs", pa.int32()),
        ("n_sentences", pa.int32()),
        ("n_comments", pa.int32()),
        ("n_chars", pa.int64()),
        ("n_dropped_lines", pa.int32()),
        ("encoding", pa.string()),
        ("near_dup_cluster", pa.string()),
        ("ingested_at", TIMESTAMP),
        ("run_id", pa.string()),
    ]
)

SEGMENTS = pa.schema(
    [
        ("doc_id", pa.string()),
        ("seq", pa.int32()),
        ("kind", pa.string()),
        ("paragraph_seq", pa.int32()),
        ("text", pa.large_string()),
        ("char_start", pa.int64()),
        ("char_end", pa.int64()),
        ("run_id", pa.string()),
    ]
)

COMMENTS = pa.schema(
    [
        ("doc_id", pa.string()),
        ("comment_seq", pa.int32()),
        ("author", pa.string()),
        ("depth", pa.int32()),
        ("text", pa.large_string()),
        ("run_id", pa.string()),
    ]
)

MENTIONS = pa.schema(
    [
        ("doc_id", pa.string()),
        ("entity_id", pa.string()),
        ("entity_name", pa.string()),
        ("mention", pa.string()),
        ("char_start", pa.int64()),
        ("char_end", pa.int64()),
        ("run_id", pa.string()),
    ]
)

FILES = pa.schema(
    [
        ("source_uri", pa.string()),
        ("size_bytes", pa.int64()),
        ("content_sha256", pa.string()),
        ("status", pa.string()),
        ("reason", pa.string()),
        ("doc_id", pa.string()),
        ("run_id", pa.string()),
        ("ingested_at", TIMESTAMP),
    ]
)

QUARANTINE = pa.schema(
    [
        ("source_uri", pa.string()),
        ("content_sha256", pa.string()),
        ("doc_id", pa.string()),
        ("stage", pa.string()),
        ("reason", pa.string()),
        ("text", pa.large_string()),
        ("run_id", pa.string()),
        ("ingested_at", TIMESTAMP),
    ]
)

DATASETS: dict[str, pa.Schema] = {
    "documents": DOCUMENTS,
    "segments": SEGMENTS,
    "comments": COMMENTS,
    "mentions": MENTIONS,
    "files": FILES,
    "quarantine": QUARANTINE,
}

# Datasets written per document by the shards; the other two are accounts of the run.
BODY_DATASETS = ("documents", "segments", "comments", "mentions")

# Hive partition keys per dataset. Segments and comments carry `source` too, so an
# analyst filtering one source never scans the others.
PARTITIONS: dict[str, tuple[str, ...]] = {
    "documents": ("ingest_date", "source"),
    "segments": ("ingest_date", "source"),
    "comments": ("ingest_date", "source"),
    "mentions": ("ingest_date", "source"),
    "files": ("ingest_date",),
    "quarantine": ("ingest_date",),
}

# Final statuses of an input file in the `files` ledger.
PUBLISHED = "published"
DUPLICATE = "duplicate"
QUARANTINED = "quarantined"
REJECTED = "rejected"
STATUSES = (PUBLISHED, DUPLICATE, QUARANTINED, REJECTED)


# The project's one Parquet writer setting (see README, "Writer settings").
WRITER_OPTIONS = {"compression": "zstd", "compression_level": 3, "coerce_timestamps": "us", "allow_truncated_timestamps": False}


# Documents carry long bodies: smaller row groups let language and doc_id filters skip most of a file.
ROW_GROUP_ROWS = {"documents": 1_024}


def write_parquet(table: pa.Table, path: Path, dataset: str | None = None) -> None:
    pq.write_table(table, path, row_group_size=ROW_GROUP_ROWS.get(dataset, 131_072), **WRITER_OPTIONS)


def replace_parquet(table: pa.Table, path: Path) -> None:
    """Write beside `path`, then rename over it: a reader, or a crash, sees the old file or the new one."""
    tmp = path.with_name(f".{path.name}.tmp")
    write_parquet(table, tmp)
    tmp.replace(path)

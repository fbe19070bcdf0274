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

from textlake import layout

TIMESTAMP = pa.timestamp("us", tz="UTC")

_TYPES = {
    "str": pa.string(),
    "text": pa.large_string(),
    "i32": pa.int32(),
    "i64": pa.int64(),
    "date": pa.date32(),
    "ts": TIMESTAMP,
}


def _schema(columns: str) -> pa.Schema:
    """The columns in order, each `name:type` (types as in `_TYPES`); every column nullable."""
    return pa.schema([(name, _TYPES[kind]) for name, kind in (column.split(":") for column in columns.split())])


DOCUMENTS = _schema("""
    doc_id:str source_uri:str content_sha256:str source_name:str title:str published_date:date language:str body:text
    n_paragraphs:i32 n_sentences:i32 n_comments:i32 n_chars:i64 n_dropped_lines:i32 encoding:str near_dup_cluster:str
    ingested_at:ts run_id:str version:i32 supersedes:str""")
SEGMENTS = _schema("doc_id:str seq:i32 kind:str paragraph_seq:i32 text:text char_start:i64 char_end:i64 run_id:str")
COMMENTS = _schema("doc_id:str comment_seq:i32 author:str depth:i32 text:text run_id:str")
MENTIONS = _schema("doc_id:str entity_id:str entity_name:str mention:str char_start:i64 char_end:i64 run_id:str")
# Opt-in (`audit_removed`): every line cleaning removed from a published document, and why.
REMOVED = _schema("doc_id:str line_no:i32 text:text stage:str reason_code:str run_id:str")
FILES = _schema("""
    source_uri:str size_bytes:i64 content_sha256:str status:str reason:str reason_code:str doc_id:str run_id:str
    ingested_at:ts text_sha256:str""")
QUARANTINE = _schema("""
    source_uri:str content_sha256:str doc_id:str stage:str reason:str reason_code:str text:text run_id:str
    ingested_at:ts""")

_SCHEMAS = {
    "documents": DOCUMENTS,
    "segments": SEGMENTS,
    "comments": COMMENTS,
    "mentions": MENTIONS,
    "removed": REMOVED,
    "files": FILES,
    "quarantine": QUARANTINE,
}
DATASETS: dict[str, pa.Schema] = {name: _SCHEMAS[name] for name in layout.DATASETS}

# Datasets written per document by the shards; the other two are accounts of the run.
BODY_DATASETS = ("documents", "segments", "comments", "mentions", "removed")

# Hive partition keys per dataset. Segments and comments carry `source` too, so an
# analyst filtering one source never scans the others.
PARTITIONS: dict[str, tuple[str, ...]] = {
    "documents": ("ingest_date", "source"),
    "segments": ("ingest_date", "source"),
    "comments": ("ingest_date", "source"),
    "mentions": ("ingest_date", "source"),
    "removed": ("ingest_date", "source"),
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

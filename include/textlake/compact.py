"""Maintenance: merge a partition's many small run files into few large ones.

Every run adds its own files to each partition, so a landing fed all day leaves
hundreds of small files that slow every reader. Compaction rewrites each leaf
partition (`<dataset>/ingest_date=D[/source=S]`) whose file count passed a threshold
into files of at most `max_rows` rows, then swaps the day in atomically, so a reader
sees exactly the same rows before, during and after. It runs under the publish lock
and only when no run is staged, because a run that publishes after a crash looks
for its own files.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from textlake import layout, schema
from textlake.publish import publish_lock, swap_in_day
from textlake.schema import WRITER_OPTIONS

MIN_FILES = 8
MAX_ROWS = 1_000_000
ROW_GROUP_ROWS = 131_072
ROW_GROUP_BYTES = 64 << 20


class RunInFlight(RuntimeError):
    """A run is staged and not yet published; compaction waits for it."""


def compact(output: str, min_files: int = MIN_FILES, max_rows: int = MAX_ROWS) -> dict[str, int]:
    """Compact every partition with at least `min_files` files; returns files before and after."""
    root = Path(output)
    before = after = 0
    with publish_lock(output):
        staging = layout.staging_root(root)
        staged = [p.name for p in staging.glob("*")] if staging.exists() else []
        if staged:
            raise RunInFlight(f"runs {staged} are staged and not published yet; compact after they publish")
        token = f"compacted-{uuid.uuid4().hex[:12]}"
        work = layout.run_staging(root, token)
        try:
            for dataset in schema.DATASETS:
                for day in sorted((root / dataset).glob("ingest_date=*")):
                    leaves = [day] if len(schema.PARTITIONS[dataset]) == 1 else sorted(day.glob("source=*"))
                    crowded = [leaf for leaf in leaves if len(list(leaf.glob("*.parquet"))) >= min_files]
                    if not crowded:
                        continue
                    staged_day = work / dataset / day.name
                    for leaf in crowded:
                        files = sorted(leaf.glob("*.parquet"))
                        target = staged_day / leaf.relative_to(day)
                        target.mkdir(parents=True, exist_ok=True)
                        written = _rewrite(files, target, token, max_rows, schema.DATASETS[dataset])
                        before, after = before + len(files), after + written
                    _swap_day(staged_day, day, crowded)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return {"files_before": before, "files_after": after}


def _rewrite(files: list[Path], target: Path, token: str, max_rows: int, contract) -> int:
    """Stream the leaf's files, in order, into files of at most `max_rows` rows.

    Small input files carry small row groups; batches are buffered up to a row group
    of ROW_GROUP_ROWS rows (or ROW_GROUP_BYTES) so readers get few, large groups.
    """
    writer, buffer, rows_in_file, n = None, [], 0, 0

    def flush():
        nonlocal buffer
        if buffer:
            writer.write_table(pa.Table.from_batches(buffer, schema=contract), row_group_size=ROW_GROUP_ROWS)
            buffer = []

    for path in files:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=65_536):
            if not batch.num_rows:
                continue
            batch = batch.cast(contract)
            if writer is None or rows_in_file + batch.num_rows > max_rows and rows_in_file:
                if writer:
                    flush()
                    writer.close()
                writer = pq.ParquetWriter(target / f"part-{token}-{n}.parquet", contract, **WRITER_OPTIONS)
                rows_in_file, n = 0, n + 1
            buffer.append(batch)
            rows_in_file += batch.num_rows
            if sum(b.num_rows for b in buffer) >= ROW_GROUP_ROWS or sum(b.nbytes for b in buffer) >= ROW_GROUP_BYTES:
                flush()
    if writer:
        flush()
        writer.close()
    return n


def _swap_day(staged_day: Path, live_day: Path, crowded: list[Path]) -> None:
    """The new day = the rewritten leaves + links to every file left as it was; swapped in at once."""
    for path in live_day.rglob("*.parquet"):
        if path.parent not in crowded:
            target = staged_day / path.relative_to(live_day)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.hardlink_to(path)
    swap_in_day(staged_day, live_day, replace=True)

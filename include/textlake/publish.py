"""Stage 6: publish a run's staged files into the live Hive-partitioned datasets.

Readers must never see half a run. On a local or network file system, each
dataset's day directory is rebuilt beside the live one (hardlinks to the files
already there plus the run's new files) and swapped in with one
`renameat2(RENAME_EXCHANGE)` call, so a reader lists either the old day or the new
day. Object stores have no rename: there the run's files (unique names) are
uploaded dataset by dataset and the ledger last; each object appears whole, and a
run counts as published once its ledger rows are there. Publishing is idempotent
per run id (a day that already holds the run's files is left alone) and
serialised by a lock, which is also where the ledger is consulted a last time so
that two overlapping runs never publish the same content twice.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import dataclasses
import fcntl
import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

from textlake import layout, schema
from textlake.dedup import assign_clusters
from textlake.reasons import Reason, Stage
from textlake.schema import write_parquet
from textlake.steps import StepStats

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


@dataclasses.dataclass(frozen=True)
class Ledger:
    """What the published `files` dataset already says, excluding the run being published."""

    by_hash: dict[str, tuple[str, str | None, str | None]]  # sha -> (status, doc_id, source_uri)
    seen: set[tuple[str, str]]  # (source_uri, sha) pairs accounted for
    runs: set[str] = dataclasses.field(default_factory=set)  # runs whose ledger rows are published, this one included
    # decoded text's sha -> (doc_id, source_uri) of its published document
    by_text: dict[str, tuple[str | None, str]] = dataclasses.field(default_factory=dict)


def open_dataset(output: str, dataset: str, options: dict | None = None) -> ds.Dataset | None:
    """A published dataset on any file system, with its partition columns as strings; None if absent."""
    fs, root = fsspec.core.url_to_fs(f"{output.rstrip('/')}/{dataset}", **(options or {}))
    if not fs.exists(root) or not fs.find(root):
        return None
    return ds.dataset(root, filesystem=fs, format="parquet", partitioning="hive", schema=_with_partitions(dataset))


def read_ledger(
    output: str,
    exclude_run: str | None = None,
    options: dict | None = None,
    hashes: set[str] | None = None,
    texts: set[str] | None = None,
) -> Ledger:
    """The ledger's word on `hashes` of file contents (all when None), on `texts` (hashes of decoded
    texts), and the runs it holds.

    Only rows with those hashes are turned into Python objects: a run asks about its own
    files, so the memory this takes follows the run, not the ledger's history.
    """
    by_hash: dict[str, tuple[str, str | None, str | None]] = {}
    seen: set[tuple[str, str]] = set()
    ledger = open_dataset(output, "files", options)
    if ledger is None:
        return Ledger(by_hash, seen)
    runs = set(pc.unique(ledger.to_table(columns=["run_id"])["run_id"]).to_pylist())
    wanted = ds.field("content_sha256").is_valid() & (ds.field("content_sha256") != "")
    if exclude_run is not None:
        wanted &= ds.field("run_id") != exclude_run
    if hashes is not None:
        wanted &= ds.field("content_sha256").isin(pa.array(sorted(hashes), pa.string()))
    for batch in ledger.to_batches(columns=["source_uri", "content_sha256", "status", "doc_id"], filter=wanted):
        for row in batch.to_pylist():
            seen.add((row["source_uri"], row["content_sha256"]))
            current = by_hash.get(row["content_sha256"])
            if current is None or (row["status"] == schema.PUBLISHED and current[0] != schema.PUBLISHED):
                by_hash[row["content_sha256"]] = (row["status"], row["doc_id"], row["source_uri"])
    by_text: dict[str, tuple[str | None, str]] = {}
    if texts:
        published = ds.field("text_sha256").isin(pa.array(sorted(texts), pa.string())) & (ds.field("status") == schema.PUBLISHED)
        if exclude_run is not None:
            published &= ds.field("run_id") != exclude_run
        for batch in ledger.to_batches(columns=["source_uri", "text_sha256", "doc_id"], filter=published):
            for row in batch.to_pylist():
                by_text.setdefault(row["text_sha256"], (row["doc_id"], row["source_uri"]))
    return Ledger(by_hash, seen, runs, by_text)


def _with_partitions(dataset: str) -> pa.Schema:
    base = schema.DATASETS[dataset]
    for key in schema.PARTITIONS[dataset]:
        base = base.append(pa.field(key, pa.string()))
    return base


@contextlib.contextmanager
def publish_lock(work_dir: str, name: str = "publish") -> Iterator[None]:
    """An exclusive lock on the work folder, per purpose (publish, quality)."""
    state = layout.state_dir(work_dir)
    state.mkdir(parents=True, exist_ok=True)
    with open(state / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def exchange(staged: Path, live: Path) -> None:
    """Swap two directories in one system call; a reader sees one or the other."""
    if _libc.renameat2(_AT_FDCWD, os.fsencode(staged), _AT_FDCWD, os.fsencode(live), _RENAME_EXCHANGE) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"renameat2(RENAME_EXCHANGE) failed: {os.strerror(err)}", str(live))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def swap_in_day(staged_day: Path, live_day: Path, replace: bool = False) -> None:
    """Make `live_day` hold its current files plus those in `staged_day` (or, with
    `replace`, exactly those in `staged_day`), atomically."""
    live_day.parent.mkdir(parents=True, exist_ok=True)
    if not live_day.exists():
        os.rename(staged_day, live_day)
    else:
        for folder, _, names in [] if replace else os.walk(live_day):
            target = staged_day / Path(folder).relative_to(live_day)
            target.mkdir(parents=True, exist_ok=True)
            for name in names:
                if not (target / name).exists():
                    os.link(Path(folder) / name, target / name)
        exchange(staged_day, live_day)
        shutil.rmtree(staged_day)  # the previous day tree: only links to files that stay live
    _fsync_dir(live_day.parent)


def run_already_in(fs, live_day: str, run_id: str) -> bool:
    return bool(fs.exists(live_day) and fs.glob(f"{live_day}/**/part-{run_id}-*.parquet"))


def upload_day(fs, staged_day: Path, live_day: str) -> None:
    """Object stores: put each file (new, uniquely named) under the live day."""
    for path in sorted(p for p in staged_day.rglob("*") if p.is_file()):
        fs.put_file(str(path), f"{live_day}/{path.relative_to(staged_day).as_posix()}")


def publish_run(
    output: str,
    staging_dir: str,
    run_id: str,
    ingest_date: str,
    quarantined: dict[str, str],
    stats: dict | None = None,
    work_dir: str | None = None,
    options: dict | None = None,
) -> dict[str, dict[str, int]]:
    """Publish everything staged under `staging_dir`; returns row counts per dataset.

    `quarantined` maps doc ids refused by validation to the failed expectation; `stats`
    holds the run's step statistics so far (and the validation's CPU time), which the
    manifest records with the validate and publish steps added; `work_dir` holds the
    publish lock (the output itself when it is local); `options` are fsspec storage
    options for an output on object storage.
    """
    started = time.process_time()
    staging = Path(staging_dir)
    shard_dirs = sorted(p for p in (staging / "shards").iterdir() if p.is_dir()) if (staging / "shards").exists() else []
    fs, root = fsspec.core.url_to_fs(output, **(options or {}))
    local = isinstance(fs, LocalFileSystem)
    with publish_lock(work_dir or output):
        files = pa.concat_tables(
            [pq.read_table(p) for p in [staging / "accounted.parquet", *(d / "files.parquet" for d in shard_dirs)] if p.exists()]
        )
        ledger = read_ledger(
            output,
            exclude_run=run_id,
            options=options,
            hashes=set(pc.unique(files["content_sha256"].drop_null()).to_pylist()),
            texts=set(pc.unique(files["text_sha256"].drop_null()).to_pylist()),
        )
        quarantine = pa.concat_tables(
            [pq.read_table(d / "quarantine.parquet") for d in shard_dirs] or [schema.QUARANTINE.empty_table()]
        )
        files, drop, extra_quarantine = settle(files, ledger, quarantined)
        versions = _versions(output, files, run_id, options)
        clusters: dict[str, str] = {}
        for shard in shard_dirs:  # shard by shard: memory follows the shard size, not the run's
            clusters.update(
                assign_clusters(
                    layout.state_dir(work_dir or output, "near_dup"),
                    f"{run_id}-{shard.name}",
                    staged_signatures(shard, exclude=drop),
                )
            )
        tree = staging / "publish"
        if tree.exists():
            shutil.rmtree(tree)
        counts = {}
        for dataset in schema.BODY_DATASETS:
            counts[dataset] = _assemble_body(
                dataset,
                shard_dirs,
                tree / dataset / f"ingest_date={ingest_date}",
                drop,
                clusters if dataset == "documents" else None,
                versions if dataset == "documents" else None,
            )
        quarantine = pa.concat_tables([quarantine, _quarantine_rows(shard_dirs, extra_quarantine)])
        for dataset, table in (("quarantine", quarantine), ("files", files)):
            counts[dataset] = {"rows": table.num_rows}
            if table.num_rows:
                day = tree / dataset / f"ingest_date={ingest_date}"
                day.mkdir(parents=True)
                write_parquet(table.cast(schema.DATASETS[dataset]), day / f"part-{run_id}-0.parquet")
        counts["files"].update({status: pc.sum(pc.equal(files["status"], status)).as_py() or 0 for status in schema.STATUSES})
        # The ledger goes last: its rows are the run's commit record.
        for dataset in (*schema.BODY_DATASETS, "quarantine", "files"):
            staged_day = tree / dataset / f"ingest_date={ingest_date}"
            live_day = f"{root.rstrip('/')}/{dataset}/ingest_date={ingest_date}"
            # The run's own files (or, after a compaction renamed them, its ledger rows) mean
            # an earlier attempt published this dataset already.
            if staged_day.exists() and run_id not in ledger.runs and not run_already_in(fs, live_day, run_id):
                if local:
                    swap_in_day(staged_day, Path(live_day))
                else:
                    upload_day(fs, staged_day, live_day)
        manifest = {"run_id": run_id, "ingest_date": ingest_date, "counts": counts}
        if stats is not None:
            steps = [
                *stats["steps"],
                *_settling_steps(
                    drop, counts["documents"]["rows"], stats.get("validate_cpu", 0.0), time.process_time() - started
                ),
            ]
            manifest.update(steps=[s if isinstance(s, dict) else s.as_dict() for s in steps], removals=stats["removals"])
        fs.makedirs(layout.manifests_uri(root), exist_ok=True)
        fs.pipe_file(layout.manifest_uri(root, run_id), json.dumps(manifest, indent=2).encode())
    return counts


def _settling_steps(drop: dict[str, Reason], published: int, validate_cpu: float, publish_cpu: float) -> list[StepStats]:
    """The last two steps of a run: validation's row-level refusals, then what publishing left out.

    Every staged document ends in exactly one place (published, or in `drop` with why), so
    these two steps add up like the others: validate's input is every staged document.
    """
    settled = Counter(drop.values())
    refused = settled.pop(Reason.EXPECTATION_FAILED, 0)
    staged = published + refused + sum(settled.values())
    validate = StepStats(
        "validate",
        Stage.VALIDATE,
        staged,
        staged - refused,
        Counter({Reason.EXPECTATION_FAILED: refused} if refused else {}),
        cpu_seconds=validate_cpu,
    )
    publish = StepStats("publish", Stage.PUBLISH, staged - refused, published, settled, cpu_seconds=publish_cpu)
    return [validate, publish]


def settle(files: pa.Table, ledger: Ledger, quarantined: dict[str, str]) -> tuple[pa.Table, dict[str, Reason], dict[str, str]]:
    """Final ledger statuses; returns (files, doc ids to leave out with why, doc ids to quarantine with reason).

    A file another run accounted for meanwhile is left out; a document whose content
    another run published becomes a duplicate, and so does one whose decoded text a published
    document or an earlier file of this run has (the same page gzipped, with a BOM or with CRLF
    line endings); one refused by validation becomes quarantined.
    """
    settled: list[pa.Table] = []
    drop: dict[str, Reason] = {}
    to_quarantine: dict[str, str] = {}
    first_text: dict[str, tuple[str | None, str]] = {}  # text sha -> (doc_id, source_uri) published by this run
    for batch in files.to_batches(max_chunksize=10_000):  # row dicts for one batch at a time
        rows = []
        for row in batch.to_pylist():
            if (row["source_uri"], row["content_sha256"]) in ledger.seen:
                # Another run accounted for this very file meanwhile: one ledger row per file.
                if row["status"] == schema.PUBLISHED:
                    drop[row["doc_id"]] = Reason.ALREADY_INGESTED
                continue
            rows.append(row)
            if row["status"] != schema.PUBLISHED:
                continue
            known = ledger.by_hash.get(row["content_sha256"])
            text = row.get("text_sha256")
            same_text = ledger.by_text.get(text) if text else None
            if known and known[0] == schema.PUBLISHED:
                drop[row["doc_id"]] = Reason.DUPLICATE_CONTENT
                row.update(
                    status=schema.DUPLICATE,
                    reason=f"same content as {known[2]}, published by another run",
                    reason_code=Reason.DUPLICATE_CONTENT,
                    doc_id=known[1],
                )
            elif same_text or text in first_text:
                doc_id, original = same_text or first_text[text]
                drop[row["doc_id"]] = Reason.DUPLICATE_CONTENT
                row.update(
                    status=schema.DUPLICATE,
                    reason=f"same text as {original}, " + ("published by another run" if same_text else "in this run"),
                    reason_code=Reason.DUPLICATE_CONTENT,
                    doc_id=doc_id,
                )
            elif row["doc_id"] in quarantined:
                row.update(
                    status=schema.QUARANTINED,
                    reason=f"validate: {quarantined[row['doc_id']]}",
                    reason_code=Reason.EXPECTATION_FAILED,
                )
                drop[row["doc_id"]] = Reason.EXPECTATION_FAILED
                to_quarantine[row["doc_id"]] = quarantined[row["doc_id"]]
            elif text:
                first_text[text] = (row["doc_id"], row["source_uri"])
        settled.append(pa.Table.from_pylist(rows, schema=files.schema))
    return pa.concat_tables([files.schema.empty_table(), *settled]), drop, to_quarantine


def staged_signatures(shard: Path, exclude: dict[str, str]) -> dict[str, bytes]:
    """MinHash signatures of the documents this shard publishes."""
    signatures = {}
    for path in sorted((shard / "signatures").glob("*.parquet")):
        table = pq.read_table(path)
        for doc_id, sig in zip(table["doc_id"].to_pylist(), table["signature"].to_pylist(), strict=True):
            if doc_id not in exclude:
                signatures[doc_id] = sig
    return signatures


def _assemble_body(
    dataset: str,
    shard_dirs: list[Path],
    day: Path,
    drop: dict[str, str],
    clusters: dict[str, str] | None,
    versions: dict[str, tuple[int, str]] | None = None,
) -> dict[str, int]:
    """Link the shards' staged files into one day tree, rewriting files that lose rows or gain clusters
    (and, for documents, their version)."""
    rows = 0
    for shard in shard_dirs:
        for path in sorted((shard / dataset).glob("source=*/*.parquet")):
            target = day / path.parent.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            table = pq.read_table(path)
            if clusters is not None:
                cluster = pa.array([clusters.get(d) for d in table["doc_id"].to_pylist()], pa.string())
                table = table.set_column(table.schema.get_field_index("near_dup_cluster"), "near_dup_cluster", cluster)
            if versions is not None:
                ids = table["doc_id"].to_pylist()
                for column, k, kind in (("version", 0, pa.int32()), ("supersedes", 1, pa.string())):
                    values = pa.array([versions[d][k] if d in versions else (1 if k == 0 else None) for d in ids], kind)
                    table = table.set_column(table.schema.get_field_index(column), column, values)
            if drop or clusters is not None:
                mask = pc.invert(pc.is_in(table["doc_id"], pa.array(list(drop), pa.string())))
                kept = table.filter(mask)
                if kept.num_rows != table.num_rows or clusters is not None:
                    if kept.num_rows:
                        write_parquet(kept, target, dataset)
                    rows += kept.num_rows
                    continue
            os.link(path, target)
            rows += table.num_rows
    return {"rows": rows}


def _versions(output: str, files: pa.Table, run_id: str, options: dict | None) -> dict[str, tuple[int, str]]:
    """For each document this run publishes at a path that has a published document already: (its version, the
    doc_id it supersedes). The path's latest version is its highest one; rows published before versions
    were counted are version 1."""
    published = files.filter(pc.equal(files["status"], schema.PUBLISHED))
    uris = dict(zip(published["source_uri"].to_pylist(), published["doc_id"].to_pylist(), strict=True))
    documents = open_dataset(output, "documents", options)
    if documents is None or not uris:
        return {}
    wanted = ds.field("source_uri").isin(pa.array(sorted(uris), pa.string())) & (ds.field("run_id") != run_id)
    latest: dict[str, tuple[int, str]] = {}
    for batch in documents.to_batches(columns=["source_uri", "doc_id", "version"], filter=wanted):
        for row in batch.to_pylist():
            version = row["version"] or 1
            if row["source_uri"] not in latest or version > latest[row["source_uri"]][0]:
                latest[row["source_uri"]] = (version, row["doc_id"])
    return {uris[uri]: (version + 1, doc_id) for uri, (version, doc_id) in latest.items() if uris[uri] != doc_id}


def _quarantine_rows(shard_dirs: list[Path], refused: dict[str, str]) -> pa.Table:
    """Documents refused by validation keep their cleaned text in the quarantine dataset."""
    if not refused:
        return schema.QUARANTINE.empty_table()
    wanted = pa.array(list(refused), pa.string())
    parts = []
    for shard in shard_dirs:
        for path in (shard / "documents").glob("source=*/*.parquet"):
            table = pq.read_table(path, columns=["doc_id", "source_uri", "content_sha256", "body", "run_id", "ingested_at"])
            parts.extend(table.filter(pc.is_in(table["doc_id"], wanted)).to_pylist())
    return pa.Table.from_pylist(
        [
            {
                "source_uri": p["source_uri"],
                "content_sha256": p["content_sha256"],
                "doc_id": p["doc_id"],
                "stage": Stage.VALIDATE,
                "reason": refused[p["doc_id"]],
                "reason_code": Reason.EXPECTATION_FAILED,
                "text": p["body"],
                "run_id": p["run_id"],
                "ingested_at": p["ingested_at"],
            }
            for p in parts
        ],
        schema=schema.QUARANTINE,
    )

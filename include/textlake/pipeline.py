"""The run, top to bottom: plan → process shards → validate → publish.

The Airflow DAG maps `process_shard` over the planned shards; the CLI calls the
same four functions in a loop. Everything a later step needs travels as small
JSON-able dicts and files under `<work_dir>/_staging/<run>/` (the output folder, or
the `staging` folder when the output is on object storage), so any step can be
retried on another worker.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import json
import logging
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from textlake import schema
from textlake.clean import SourceProfile
from textlake.config import PipelineConfig
from textlake.discover import InputFile, list_inputs, plan_run
from textlake.enrich import source_slug
from textlake.publish import open_dataset, publish_lock, publish_run, read_ledger
from textlake.schema import replace_parquet, write_parquet
from textlake.runtime import close_pools, give_back_memory
from textlake.shard import RunContext, process_shard
from textlake.validate import ValidationReport, raise_on_batch_failure, validate_staged


log = logging.getLogger(__name__)


class NothingStaged(Exception):
    """The run has nothing to validate or publish: its plan found nothing new, or a later run superseded it."""


def run_token(run_id: str) -> str:
    """A file-name-safe form of an Airflow run id, stable across retries."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", run_id).strip("-")[:120]


def staging_dir(config: PipelineConfig, run_id: str) -> Path:
    return Path(config.work_dir) / "_staging" / run_token(run_id)


def published_counts(config: PipelineConfig, run_id: str) -> dict | None:
    """The publish step's manifest, written once the run is complete; None before that."""
    fs, path = fsspec.core.url_to_fs(f"{config.output.rstrip('/')}/_manifests/{run_token(run_id)}.json", **config.storage_options)
    return json.loads(fs.cat_file(path))["counts"] if fs.exists(path) else None


def finished_counts(config: PipelineConfig, run_id: str) -> dict | None:
    """Counts of a run that is published and cleaned up; None while it is staged or unpublished.

    Every step asks this first, so clearing any task of a finished run is a no-op.
    """
    return None if staging_dir(config, run_id).exists() else published_counts(config, run_id)


def plan(config: PipelineConfig, run_id: str, ingested_at: dt.datetime) -> dict:
    """Discover, settle what needs no processing, and write one manifest per shard.

    A run that has published already plans nothing: clearing and re-running any of its
    tasks cannot add a row twice. A run that finds nothing new stages nothing, so its
    later steps have nothing to do. New files wait for the next run.
    """
    token = run_token(run_id)
    stage = staging_dir(config, run_id)
    if published_counts(config, run_id) is not None:
        log.info("plan: run %s is published already; nothing to plan", token)
        return {"run_id": token, "ingested_at": ingested_at.isoformat(), "manifests": [],
                "counts": {"already_published": True, "to_process": 0, "shards": 0}}
    files, links = list_inputs(config.input, config.patterns, exclude=config.output, options=config.storage_options)

    def lookup(hashes: set[str]):
        ledger = read_ledger(config.output, exclude_run=token, options=config.storage_options, hashes=hashes)
        return ledger.by_hash, ledger.seen

    result = plan_run(files, lookup, int(config.shard_target_mb * 1e6), config.max_shards,
                      int(config.max_file_mb * 1e6), options=config.storage_options)
    accounted = [*links, *result.accounted]
    counts = {"discovered": len(files) + len(links), "skipped_known": result.skipped_known,
              "settled_at_discovery": len(accounted),
              "duplicates": sum(e.status == schema.DUPLICATE for e in accounted),
              "rejected": sum(e.status == schema.REJECTED for e in accounted),
              "to_process": sum(len(s) for s in result.shards),
              "bytes_to_process": sum(f.size for s in result.shards for f in s), "shards": len(result.shards)}
    run = {"run_id": token, "ingested_at": ingested_at.isoformat(), "manifests": [], "counts": counts}
    with run_lock(config, run_id):
        if stage.exists():  # an earlier attempt of this plan
            shutil.rmtree(stage)
        if not accounted and not result.shards:
            counts["nothing_new"] = True
            log.info("plan: %s; nothing new, so nothing is staged and the run's later steps are skipped",
                     plan_summary(counts))
            return run
        (stage / "manifests").mkdir(parents=True)
        stamp = {"run_id": token, "ingested_at": ingested_at}
        rows = [{**dataclasses.asdict(e), **stamp} for e in accounted]
        write_parquet(pa.Table.from_pylist(rows, schema=schema.FILES), stage / "accounted.parquet")
        for n, shard in enumerate(result.shards):
            path = stage / "manifests" / f"shard-{n:05d}.json"
            path.write_text(json.dumps([dataclasses.asdict(f) for f in shard]))
            run["manifests"].append(str(path))
        (stage / "run.json").write_text(json.dumps(run, indent=2))
    log.info("plan: %s", plan_summary(counts))
    give_back_memory()  # the listing and hashes of every file are garbage now
    return run


def plan_summary(counts: dict) -> str:
    mb = counts["bytes_to_process"] / 1e6
    return (f"{counts['discovered']} files found: {counts['to_process']} new ({mb:.1f} MB), "
            f"{counts['skipped_known']} known to the ledger, {counts['duplicates']} duplicates and "
            f"{counts['rejected']} rejected at discovery; {counts['shards']} shard(s)")


def load_run(config: PipelineConfig, run_id: str) -> dict:
    """The planned run, found from the run id alone, so tasks pass only paths between them."""
    path = staging_dir(config, run_id) / "run.json"
    if not path.exists():
        raise NothingStaged(f"run {run_token(run_id)} has nothing staged at {path.parent}: its plan found nothing "
                            "new, or a later run published its files and removed its staging")
    return json.loads(path.read_text())


@contextlib.contextmanager
def run_lock(config: PipelineConfig, run_id: str) -> Iterator[None]:
    """Held (shared) by every step of a run while it works, so no other run takes its staging for abandoned.

    The lock file goes once the run has no staging left (published, or nothing new).
    """
    lock = Path(config.work_dir) / "_state" / "runs" / f"{run_token(run_id)}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            yield
        finally:
            if not staging_dir(config, run_id).exists():
                lock.unlink(missing_ok=True)
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_superseded_staging(config: PipelineConfig, run_id: str) -> list[str]:
    """Drop the staging of older runs that are not working now: a failed run's leftovers.

    Once this run has published, whatever an older unfinished run staged is either
    published by this run too (its files were new to this plan as well) or comes back
    with the next run that sees its input: the ledger never holds it. A run whose step
    is working right now holds its run lock and is left alone.
    """
    me = staging_dir(config, run_id)
    started = json.loads((me / "run.json").read_text())["ingested_at"] if (me / "run.json").exists() else None
    removed = []
    for stage in sorted(me.parent.iterdir()) if me.parent.exists() else []:
        if stage == me or not stage.is_dir() or stage.name.startswith(("compacted-", ".")):
            continue
        plan_file = stage / "run.json"
        other = json.loads(plan_file.read_text())["ingested_at"] if plan_file.exists() else None
        if started and other and other >= started:
            continue  # a newer run: not superseded by this one
        lock = Path(config.work_dir) / "_state" / "runs" / f"{stage.name}.lock"
        lock.parent.mkdir(parents=True, exist_ok=True)
        with open(lock, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # one of its steps is working
            shutil.rmtree(stage, ignore_errors=True)
            lock.unlink(missing_ok=True)
        removed.append(stage.name)
    if removed:
        log.info("publish: removed the staging of %d superseded run(s): %s", len(removed), ", ".join(removed))
    return removed


def write_profiles(folder: Path, profiles: dict[str, SourceProfile]) -> None:
    """One Parquet file per source: (key hash, documents), the source and its document count in the metadata."""
    folder.mkdir(parents=True, exist_ok=True)
    for source, profile in profiles.items():
        keys, counts = profile.counts()
        table = pa.table({"key": keys, "docs": counts}).replace_schema_metadata(
            {"source": source, "n_docs": str(profile.n_docs)})
        replace_parquet(table, folder / f"{source_slug(source)}.parquet")


def read_profiles(folder: Path) -> dict[str, SourceProfile]:
    profiles = {}
    for path in sorted(folder.glob("*.parquet")):
        table = pq.read_table(path)
        meta = table.schema.metadata
        profiles[meta[b"source"].decode()] = SourceProfile(
            int(meta[b"n_docs"]), table["key"].to_numpy(), table["docs"].to_numpy())
    return profiles


def load_profiles(config: PipelineConfig) -> dict[str, SourceProfile]:
    return read_profiles(Path(config.work_dir) / "_state" / "profiles")


def run_shard(config: PipelineConfig, manifest: str, progress: Callable[[int], None] | None = None) -> dict:
    """Process one planned shard into `<staging>/shards/<name>/`."""
    run_file = Path(manifest).parents[1] / "run.json"
    if finished_counts(config, run_file.parent.name) is not None:
        log.info("shard %s: the run is published already; nothing to do", Path(manifest).stem)
        return {"skipped": "the run is published already"}
    if not run_file.exists():
        load_run(config, run_file.parent.name)  # raises NothingStaged, naming why
    started = time.monotonic()
    with run_lock(config, run_file.parent.name):
        run = json.loads(run_file.read_text())
        files = [InputFile(**f) for f in json.loads(Path(manifest).read_text())]
        ctx = RunContext(run_id=run["run_id"], ingested_at=dt.datetime.fromisoformat(run["ingested_at"]), config=config)
        shard_dir = run_file.parent / "shards" / Path(manifest).stem
        result = process_shard(files, str(shard_dir), ctx, load_profiles(config), progress)
        write_profiles(shard_dir / "profiles", result.profiles)
    give_back_memory()
    summary = {**result.as_dict(), "seconds": round(time.monotonic() - started, 2)}
    log.info("shard %s: %s", Path(manifest).stem, shard_summary(summary))
    return summary


def shard_summary(result: dict) -> str:
    counts = result["counts"]
    mb = counts["bytes"] / 1e6
    rate = mb / result["seconds"] if result["seconds"] else 0.0
    dropped = "; ".join(f"{reason} {n}" for reason, n in sorted(counts["dropped"].items(), key=lambda x: (-x[1], x[0])))
    return (f"{counts['files']} files ({mb:.1f} MB) in {result['seconds']:.1f} s ({rate:.2f} MB/s, "
            f"{counts['processes']} process(es)): {counts.get('documents', 0)} documents kept, "
            f"{sum(counts['dropped'].values())} dropped" + (f" ({dropped})" if dropped else "")
            + f"; rows staged: {counts.get('segments', 0)} segments, {counts.get('comments', 0)} comments, "
            f"{counts.get('mentions', 0)} mentions")


def validate(config: PipelineConfig, run_id: str) -> dict:
    """Great Expectations over the staged run; batch-level failures raise."""
    if finished_counts(config, run_id) is not None:
        log.info("validate: run %s is published already; nothing to validate", run_token(run_id))
        return {"skipped": "the run is published already"}
    load_run(config, run_id)  # NothingStaged when the plan staged nothing
    stage = staging_dir(config, run_id)
    with run_lock(config, run_id):
        staged = any(stage.glob("shards/*/documents"))
        with publish_lock(config.work_dir, "quality"):  # runs share the output's GX file context
            report = (validate_staged(str(stage), config.work_dir, run_id) if staged
                      else ValidationReport({}, [], {}, "", 0))
        (stage / "validation.json").write_text(json.dumps(report.as_dict(), indent=2))
    give_back_memory()
    log.info("validate: %s", validation_summary(report))
    raise_on_batch_failure(report)
    return report.as_dict()


def validation_summary(report: ValidationReport) -> str:
    if not report.checked_rows:
        return "no documents staged (only ledger rows): nothing to validate"
    rows = ", ".join(f"{n} {dataset}" for dataset, n in report.checked_rows.items())
    failed = "; ".join(report.batch_failures) or "none"
    return (f"{report.expectations} expectation runs over {rows}; batch-level failures: {failed}; "
            f"{len(report.quarantined)} documents quarantined by row-level expectations; Data Docs: {report.data_docs}")


def publish(config: PipelineConfig, run_id: str) -> dict:
    """Atomically publish the staged run, keep the source profiles, drop the staging."""
    counts = finished_counts(config, run_id)
    if counts is not None:
        log.info("publish: run %s is published already; a retry changes nothing", run_token(run_id))
        return counts
    run = load_run(config, run_id)  # NothingStaged when the plan staged nothing
    stage = staging_dir(config, run_id)
    with run_lock(config, run_id):
        report = ValidationReport(**json.loads((stage / "validation.json").read_text()))
        ingest_date = dt.datetime.fromisoformat(run["ingested_at"]).date().isoformat()
        counts = publish_run(config.output, str(stage), run["run_id"], ingest_date, report.quarantined, config.work_dir,
                             config.storage_options)
        remember_profiles(config, stage)
        remove_superseded_staging(config, run_id)
        shutil.rmtree(stage)
    log.info("publish: %s", publish_summary(counts))
    return counts


def publish_summary(counts: dict) -> str:
    rows = ", ".join(f"{dataset} {counts[dataset]['rows']}" for dataset in schema.DATASETS)
    statuses = ", ".join(f"{status} {counts['files'].get(status, 0)}" for status in schema.STATUSES)
    return f"rows published: {rows}; files by status: {statuses}"


def remember_profiles(config: PipelineConfig, stage: Path) -> None:
    """Fold what the run learned about each source's template into its lasting profile."""
    with publish_lock(config.work_dir):
        known = load_profiles(config)
        for shard in sorted(stage.glob("shards/*/profiles")):
            for source, profile in read_profiles(shard).items():
                known.setdefault(source, SourceProfile()).merge(profile)
        for profile in known.values():
            profile.prune()
        write_profiles(Path(config.work_dir) / "_state" / "profiles", known)


def run_pipeline(config: PipelineConfig, run_id: str | None = None, progress_bar: bool = True) -> dict:
    """The whole run in one process (the CLI); the DAG runs the same steps as tasks."""
    now = dt.datetime.now(dt.timezone.utc)
    run_id = run_id or f"cli__{now:%Y%m%dT%H%M%S}"
    with run_lock(config, run_id):  # across the steps too: no gap in which another run takes this one for abandoned
        run = plan(config, run_id, now)
        if run["counts"].get("nothing_new") or run["counts"].get("already_published"):
            return {"run_id": run["run_id"], "plan": run["counts"], "validation": None,
                    "published": published_counts(config, run_id)}
        bar = None
        if progress_bar:
            from tqdm import tqdm

            bar = tqdm(total=run["counts"]["to_process"], unit="file", desc="textlake")
        for manifest in run["manifests"]:
            run_shard(config, manifest, bar.update if bar else None)
        close_pools()
        if bar:
            bar.close()
        report = validate(config, run_id)
        counts = publish(config, run_id)
    return {"run_id": run["run_id"], "plan": run["counts"], "validation": report, "published": counts}


def dataset_counts(output: str, options: dict | None = None) -> dict:
    """Rows per published dataset and files per ledger status: what the runs left behind."""
    counts: dict = {}
    for name in schema.DATASETS:
        dataset = open_dataset(output, name, options)
        counts[name] = dataset.count_rows() if dataset else 0
    ledger = open_dataset(output, "files", options)
    if ledger:
        statuses = ledger.to_table(columns=["status"])["status"].value_counts().to_pylist()
        counts["files_by_status"] = {x["values"]: x["counts"] for x in statuses}
    return counts

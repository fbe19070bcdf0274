"""The run, top to bottom: plan → process shards → validate → publish.

The Airflow DAG maps `process_shard` over the planned shards; the CLI calls the
same four functions in a loop. Everything a later step needs travels as small
JSON-able dicts and files under `<work_dir>/_staging/<run>/` (the output folder, or
the `staging` folder when the output is on object storage), so any step can be
retried on another worker. Each step logs what it did: the plan and publish a summary,
the shards and publish a table of the document chain's steps (`textlake.steps`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import logging
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from textlake import layout, schema
from textlake.config import PipelineConfig
from textlake.discover import InputFile, list_inputs, plan_run, settled
from textlake.publish import open_dataset, publish_lock, publish_run, read_ledger
from textlake.reasons import Reason, Stage
from textlake.runs import (
    NothingStaged,
    finished_counts,
    load_run,
    published_counts,
    published_manifest,
    remove_superseded_staging,
    run_lock,
    run_token,
    staging_dir,
)
from textlake.runtime import close_pools, give_back_memory
from textlake.schema import write_parquet
from textlake.shard import RunContext, process_shard
from textlake.steps import StepStats, format_steps, merge_stats
from textlake.template import SourceProfile, read_profiles, write_profiles
from textlake.validate import ValidationReport, raise_on_batch_failure, validate_staged

__all__ = [
    "NothingStaged",
    "dataset_counts",
    "finished_counts",
    "plan",
    "publish",
    "removal_totals",
    "run_pipeline",
    "run_shard",
    "run_token",
    "staging_dir",
    "validate",
]

log = logging.getLogger(__name__)


def plan(config: PipelineConfig, run_id: str, ingested_at: dt.datetime) -> dict:
    """Discover, settle what needs no processing, and write one manifest per shard.

    A run that has published already plans nothing: clearing and re-running any of its
    tasks cannot add a row twice. A run that finds nothing new stages nothing, so its
    later steps have nothing to do. New files wait for the next run.
    """
    started = time.process_time()
    token = run_token(run_id)
    stage = staging_dir(config, run_id)
    if published_counts(config, run_id) is not None:
        log.info("plan: run %s is published already; nothing to plan", token)
        return {
            "run_id": token,
            "ingested_at": ingested_at.isoformat(),
            "manifests": [],
            "counts": {"already_published": True, "to_process": 0, "shards": 0},
        }
    listed, links = list_inputs(config.input, config.patterns, exclude=config.output, options=config.storage_options)
    files, waiting = settled(listed, config.settle_seconds, time.time())

    def lookup(hashes: set[str]):
        ledger = read_ledger(config.output, exclude_run=token, options=config.storage_options, hashes=hashes)
        return ledger.by_hash, ledger.seen

    result = plan_run(
        files,
        lookup,
        int(config.shard_target_mb * 1e6),
        config.max_shards,
        int(config.max_file_mb * 1e6),
        options=config.storage_options,
    )
    accounted = [*links, *result.accounted]
    counts = {
        "discovered": len(listed) + len(links),
        "waiting": len(waiting),
        "skipped_known": result.skipped_known,
        "settled_at_discovery": len(accounted),
        "duplicates": sum(e.status == schema.DUPLICATE for e in accounted),
        "rejected": sum(e.status == schema.REJECTED for e in accounted),
        "to_process": sum(len(s) for s in result.shards),
        "bytes_to_process": sum(f.size for s in result.shards for f in s),
        "shards": len(result.shards),
    }
    discover = StepStats(
        "discover",
        Stage.DISCOVER,
        docs_in=counts["discovered"],
        docs_out=counts["to_process"],
        dropped=Counter(
            [
                *(e.reason_code for e in accounted),
                *[Reason.ALREADY_INGESTED] * result.skipped_known,
                *[Reason.NOT_SETTLED] * len(waiting),
            ]
        ),
    )
    discover.cpu_seconds = time.process_time() - started
    run = {
        "run_id": token,
        "ingested_at": ingested_at.isoformat(),
        "manifests": [],
        "counts": counts,
        "steps": [discover.as_dict()],
    }
    with run_lock(config, run_id):
        if stage.exists():  # an earlier attempt of this plan
            shutil.rmtree(stage)
        if not accounted and not result.shards:
            counts["nothing_new"] = True
            log.info("plan: %s; nothing new, so nothing is staged and the run's later steps are skipped", plan_summary(counts))
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
    return (
        f"{counts['discovered']} files found: {counts['to_process']} new ({mb:.1f} MB), "
        f"{counts.get('waiting', 0)} still being written, "
        f"{counts['skipped_known']} known to the ledger, {counts['duplicates']} duplicates and "
        f"{counts['rejected']} rejected at discovery; {counts['shards']} shard(s)"
    )


@contextlib.contextmanager
def shard_pools() -> Iterator[None]:
    """Around a task that runs one shard: its pool's workers stop when the task ends (the CLI keeps them per run)."""
    try:
        yield
    finally:
        close_pools()


def load_profiles(config: PipelineConfig) -> dict[str, SourceProfile]:
    return read_profiles(layout.state_dir(config.work_dir, "profiles"))


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
    log.info("shard %s: %s\n%s", Path(manifest).stem, shard_summary(summary), format_steps(result.steps))
    return summary


def shard_summary(result: dict) -> str:
    counts = result["counts"]
    mb = counts["bytes"] / 1e6
    rate = mb / result["seconds"] if result["seconds"] else 0.0
    dropped = Counter()
    for step in result["steps"][1:]:  # the learning pass sees the same files again
        dropped.update(step["dropped"])
    reasons = "; ".join(f"{code} {n}" for code, n in sorted(dropped.items(), key=lambda x: (-x[1], x[0])))
    return (
        f"{counts['files']} files ({mb:.1f} MB) in {result['seconds']:.1f} s ({rate:.2f} MB/s, "
        f"{counts['processes']} process(es)): {counts.get('documents', 0)} documents kept, "
        f"{sum(dropped.values())} dropped"
        + (f" ({reasons})" if reasons else "")
        + f"; rows staged: {counts.get('segments', 0)} segments, {counts.get('comments', 0)} comments, "
        f"{counts.get('mentions', 0)} mentions"
    )


def validate(config: PipelineConfig, run_id: str) -> dict:
    """Great Expectations over the staged run; batch-level failures raise."""
    if finished_counts(config, run_id) is not None:
        log.info("validate: run %s is published already; nothing to validate", run_token(run_id))
        return {"skipped": "the run is published already"}
    load_run(config, run_id)  # NothingStaged when the plan staged nothing
    stage = staging_dir(config, run_id)
    started = time.process_time()
    with run_lock(config, run_id):
        staged = any(stage.glob("shards/*/documents"))
        with publish_lock(config.work_dir, "quality"):  # runs share the output's GX file context
            report = validate_staged(str(stage), config.work_dir, run_id) if staged else ValidationReport({}, [], {}, "", 0)
        report.cpu_seconds = round(time.process_time() - started, 4)
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
    return (
        f"{report.expectations} expectation runs over {rows}; batch-level failures: {failed}; "
        f"{len(report.quarantined)} documents quarantined by row-level expectations; Data Docs: {report.data_docs}"
    )


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
        stats = {**staged_stats(stage, run), "validate_cpu": report.cpu_seconds}
        counts = publish_run(
            config.output,
            str(stage),
            run["run_id"],
            ingest_date,
            report.quarantined,
            stats,
            config.work_dir,
            config.storage_options,
        )
        remember_profiles(config, stage)
        remove_superseded_staging(config, run_id)
        shutil.rmtree(stage)
    manifest = published_manifest(config, run_id) or {}
    log.info(
        "publish: %s\n%s", publish_summary(counts), format_steps([StepStats.from_dict(s) for s in manifest.get("steps", [])])
    )
    return counts


def staged_stats(stage: Path, run: dict) -> dict:
    """The run's step statistics so far (the plan's, every shard's) and its removals per source."""
    shards = [json.loads(p.read_text()) for p in sorted(stage.glob("shards/*/stats.json"))]
    steps = merge_stats([run.get("steps", []), *(s["steps"] for s in shards)])
    removals: Counter = Counter()
    for shard in shards:
        removals.update({(r["source"], r["stage"], r["reason_code"], r["unit"]): r["count"] for r in shard["removals"]})
    return {
        "steps": [s.as_dict() for s in steps],
        "removals": [
            {"source": s, "stage": st, "reason_code": c, "unit": u, "count": n} for (s, st, c, u), n in sorted(removals.items())
        ],
    }


def removal_totals(config: PipelineConfig, run_id: str) -> dict:
    """What a published run kept and removed, in top-level counts (for its Asset events)."""
    steps = [StepStats.from_dict(s) for s in (published_manifest(config, run_id) or {}).get("steps", [])]
    chain = [s for s in steps if s.step != "learn"]
    dropped: Counter = Counter()
    for step in chain:
        dropped.update(step.dropped)
    return {
        "documents_kept": chain[-1].docs_out if chain else 0,
        "documents_dropped": dict(sorted(dropped.items())),
        "lines_dropped": sum(sum(s.lines_dropped.values()) for s in chain),
    }


def publish_summary(counts: dict) -> str:
    rows = ", ".join(
        f"{dataset} {counts[dataset]['rows']}"
        for dataset in schema.DATASETS
        if dataset in counts and (counts[dataset]["rows"] or dataset != "removed")
    )
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
        write_profiles(layout.state_dir(config.work_dir, "profiles"), known)


def run_pipeline(config: PipelineConfig, run_id: str | None = None, progress_bar: bool = True) -> dict:
    """The whole run in one process (the CLI); the DAG runs the same steps as tasks.

    Returns the plan's counts, the validation report, the rows published, the run's step
    statistics (`steps`) and the wall time of each of the four steps (`wall_s`).
    """
    now = dt.datetime.now(dt.UTC)
    run_id = run_id or f"cli__{now:%Y%m%dT%H%M%S}"
    wall: dict[str, float] = {}

    def timed(name: str, fn, *args):
        started = time.monotonic()
        try:
            return fn(*args)
        finally:
            wall[name] = round(wall.get(name, 0.0) + time.monotonic() - started, 3)

    with run_lock(config, run_id):  # across the steps too: no gap in which another run takes this one for abandoned
        run = timed("plan", plan, config, run_id, now)
        if run["counts"].get("nothing_new") or run["counts"].get("already_published"):
            return {
                "run_id": run["run_id"],
                "plan": run["counts"],
                "validation": None,
                "published": published_counts(config, run_id),
                "wall_s": wall,
            }
        bar = None
        if progress_bar:
            from tqdm import tqdm

            bar = tqdm(total=run["counts"]["to_process"], unit="file", desc="textlake")
        for manifest in run["manifests"]:
            timed("shards", run_shard, config, manifest, bar.update if bar else None)
        timed("shards", close_pools)
        if bar:
            bar.close()
        report = timed("validate", validate, config, run_id)
        counts = timed("publish", publish, config, run_id)
    manifest = published_manifest(config, run_id) or {}
    return {
        "run_id": run["run_id"],
        "plan": run["counts"],
        "validation": report,
        "published": counts,
        "steps": manifest.get("steps", []),
        "wall_s": wall,
    }


def dataset_counts(output: str, options: dict | None = None) -> dict:
    """Rows per published dataset, files per ledger status and reason, quarantine rows per stage and reason."""
    counts: dict = {}
    for name in schema.DATASETS:
        dataset = open_dataset(output, name, options)
        counts[name] = dataset.count_rows() if dataset else 0
    ledger = open_dataset(output, "files", options)
    if ledger:
        table = ledger.to_table(columns=["status", "reason_code"])
        counts["files_by_status"] = _value_counts(table, ["status"])
        refused = table.filter(pc.not_equal(table["status"], schema.PUBLISHED))
        counts["files_by_reason"] = _value_counts(refused, ["status", "reason_code"])
    quarantine = open_dataset(output, "quarantine", options)
    if quarantine:
        counts["quarantine_by_reason"] = _value_counts(
            quarantine.to_table(columns=["stage", "reason_code"]), ["stage", "reason_code"]
        )
    return counts


def _value_counts(table: pa.Table, keys: list[str]) -> dict[str, int]:
    """Rows per value of `keys` ("status" or "stage: reason_code"; a missing code reads "(none)")."""
    grouped = table.group_by(keys).aggregate([([], "count_all")]).to_pylist()
    label = lambda row: ": ".join(str(row[k]) if row[k] is not None else "(none)" for k in keys)  # noqa: E731
    return dict(sorted(((label(r), r["count_all"]) for r in grouped), key=lambda kv: (-kv[1], kv[0])))

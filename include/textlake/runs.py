"""A run's bookkeeping: its name on disk, its staging, whether it is done, and its lock.

Runs are found from their id alone, so tasks on different workers pass only ids and paths:
the staging folder says a run is in flight, the manifest that it is published. A step at
work holds the run's lock (shared), so a later run that publishes can tell a failed run's
leftovers, which it removes, from a run still working, which it leaves alone.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import fsspec

from textlake import layout
from textlake.config import PipelineConfig

log = logging.getLogger("textlake.pipeline")


class NothingStaged(Exception):
    """The run has nothing to validate or publish: its plan found nothing new, or a later run superseded it."""


def run_token(run_id: str) -> str:
    """A file-name-safe form of an Airflow run id, stable across retries."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", run_id).strip("-")[:120]


def staging_dir(config: PipelineConfig, run_id: str) -> Path:
    return layout.run_staging(config.work_dir, run_token(run_id))


def published_manifest(config: PipelineConfig, run_id: str) -> dict | None:
    """The publish step's manifest, written once the run is complete; None before that."""
    fs, path = fsspec.core.url_to_fs(layout.manifest_uri(config.output, run_token(run_id)), **config.storage_options)
    return json.loads(fs.cat_file(path)) if fs.exists(path) else None


def published_counts(config: PipelineConfig, run_id: str) -> dict | None:
    manifest = published_manifest(config, run_id)
    return manifest["counts"] if manifest else None


def finished_counts(config: PipelineConfig, run_id: str) -> dict | None:
    """Counts of a run that is published and cleaned up; None while it is staged or unpublished.

    Every step asks this first, so clearing any task of a finished run is a no-op.
    """
    return None if staging_dir(config, run_id).exists() else published_counts(config, run_id)


def load_run(config: PipelineConfig, run_id: str) -> dict:
    """The planned run, found from the run id alone, so tasks pass only paths between them."""
    path = staging_dir(config, run_id) / "run.json"
    if not path.exists():
        raise NothingStaged(
            f"run {run_token(run_id)} has nothing staged at {path.parent}: its plan found nothing "
            "new, or a later run published its files and removed its staging"
        )
    return json.loads(path.read_text())


@contextlib.contextmanager
def run_lock(config: PipelineConfig, run_id: str) -> Iterator[None]:
    """Held (shared) by every step of a run while it works, so no other run takes its staging for abandoned.

    The lock file goes once the run has no staging left (published, or nothing new).
    """
    lock = layout.run_lock_file(config.work_dir, run_token(run_id))
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
        lock = layout.run_lock_file(config.work_dir, stage.name)
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

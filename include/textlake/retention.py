"""Retention: validation results, their Data Docs pages and corpus reports older than a number of days go.

Every ingest run stores one validation result per dataset and batch, and Data Docs render a
page for each; every report run writes a folder of plots and tables. Kept forever, they grow
with the lake's history (a 19-page run leaves 4.5 MB of `_quality/`), and so does the time to
rebuild Data Docs. The maintenance DAG prunes them daily; the report `latest` points at and the
Data Docs index always stay, rebuilt over what is kept.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from textlake import layout

DAY = 86_400


def prune_history(work_dir: str, keep_days: float, now: float | None = None) -> dict[str, int]:
    """Remove validation runs and report folders last written more than `keep_days` ago; returns what went."""
    cutoff = (time.time() if now is None else now) - keep_days * DAY
    removed_runs = _prune_validations(Path(work_dir), cutoff)
    if removed_runs:
        from textlake.validate import quality_context

        _, context = quality_context(work_dir)
        context.build_data_docs()  # the index lists only what is kept
    return {"validation_runs": removed_runs, "reports": _prune_reports(Path(work_dir), cutoff)}


def _prune_validations(work_dir: Path, cutoff: float) -> int:
    """Validation results are stored as `validations/<suite>/<run>/<time>/…`, their pages under the same path."""
    uncommitted = layout.quality_root(work_dir) / "gx" / "uncommitted"
    results, pages = uncommitted / "validations", layout.data_docs_site(work_dir) / "validations"
    removed = 0
    for run in sorted(p for p in results.glob("*/*") if p.is_dir()):
        if _newest(run) < cutoff:
            relative = run.relative_to(results)
            shutil.rmtree(run)
            shutil.rmtree(pages / relative, ignore_errors=True)
            removed += 1
    return removed


def _prune_reports(work_dir: Path, cutoff: float) -> int:
    root = layout.reports_root(work_dir)
    latest = (root / "latest").resolve() if (root / "latest").is_symlink() else None
    removed = 0
    for folder in sorted(p for p in root.glob("*") if p.is_dir() and not p.is_symlink()):
        if folder.resolve() != latest and _newest(folder) < cutoff:
            shutil.rmtree(folder)
            removed += 1
    return removed


def _newest(folder: Path) -> float:
    """The latest modification time of a folder and anything in it."""
    return max([folder.stat().st_mtime, *(p.stat().st_mtime for p in folder.rglob("*"))])

"""Where a textlake output keeps what is not a dataset: one place for every folder name.

The datasets live at `<output>/<dataset>/ingest_date=…/`. Beside them, in folders whose
names start with `_` (readers that scan the output root must skip them):

    <output>/_manifests/<run>.json      one per published run: counts and step statistics
    <work>/_staging/<run>/              a run in progress, removed once it publishes
    <work>/_state/profiles/             each source's template (line-key hashes)
    <work>/_state/near_dup/             MinHash bands and clusters of published documents
    <work>/_state/runs/<run>.lock       held by a run's working step
    <work>/_state/<purpose>.lock        the publish and quality locks
    <work>/_quality/gx/                 Great Expectations results and Data Docs
    <work>/_reports/<run>/, latest      corpus reports

`<work>` is the output itself when it is a local folder, else the `staging` folder of the
configuration (a shared local folder), since locks, renames and GX need a file system.
This module holds only names and paths: the DAGs and the UI plugin import it too.
"""

from __future__ import annotations

from pathlib import Path

# The published datasets, in the order they are documented; `removed` only when a run audits removals.
DATASETS = ("documents", "segments", "comments", "mentions", "removed", "files", "quarantine")
ALWAYS_PUBLISHED = tuple(d for d in DATASETS if d != "removed")

MANIFESTS = "_manifests"
STAGING = "_staging"
STATE = "_state"
QUALITY = "_quality"
REPORTS = "_reports"
LATEST_REPORT = "latest"


def manifest_uri(output: str, token: str) -> str:
    """The run's manifest, on the output's own file system (local or an object store)."""
    return f"{output.rstrip('/')}/{MANIFESTS}/{token}.json"


def manifests_uri(output: str) -> str:
    return f"{output.rstrip('/')}/{MANIFESTS}"


def staging_root(work_dir: str | Path) -> Path:
    return Path(work_dir) / STAGING


def run_staging(work_dir: str | Path, token: str) -> Path:
    return staging_root(work_dir) / token


def state_dir(work_dir: str | Path, *parts: str) -> Path:
    return Path(work_dir, STATE, *parts)


def run_lock_file(work_dir: str | Path, token: str) -> Path:
    return state_dir(work_dir, "runs", f"{token}.lock")


def quality_root(work_dir: str | Path) -> Path:
    """The root of the output's Great Expectations file context."""
    return Path(work_dir) / QUALITY


def data_docs_site(work_dir: str | Path) -> Path:
    return quality_root(work_dir) / "gx" / "uncommitted" / "data_docs" / "local_site"


def reports_root(work_dir: str | Path) -> Path:
    return Path(work_dir) / REPORTS

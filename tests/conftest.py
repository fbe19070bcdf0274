"""Shared fixtures. Airflow reads its settings at import, so they are set here first."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
DEMO_CORPUS = ROOT / "include" / "demo_corpus"

# Each session its own metadata database: two test sessions at once must not reset each other's.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="textlake-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(ROOT / "dags"))
os.environ.setdefault("AIRFLOW__CORE__PLUGINS_FOLDER", str(ROOT / "plugins"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")
os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("TEXTLAKE_ALLOWED_ROOTS", os.pathsep.join([str(ROOT), tempfile.gettempdir()]))


@pytest.fixture(scope="session")
def seeds() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"the seed files are expected in {SEEDS} (../shared beside the repo)")
    return SEEDS


@pytest.fixture(scope="session")
def airflow_db():
    """A fresh SQLite metadata database for the session's `dag.test()` runs."""
    from airflow.utils.db import resetdb

    resetdb(skip_init=False)


@pytest.fixture(scope="session")
def dag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags")).dags["textlake_ingest"]

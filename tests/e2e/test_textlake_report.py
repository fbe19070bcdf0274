"""The report DAG: parses light, listens to the ingest DAG's documents Asset, and builds the report.

`dag.test()` creates a manual run, whose `triggering_asset_events` is empty, so the task
reports on its `output` parameter. The asset-triggered path (every batched event's
`extra["location"]`) is exercised by calling the task body with such a context.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.airflow

HEAVY = ("pandas", "pyarrow", "great_expectations", "matplotlib", "pycld2", "blingfire")


@pytest.fixture(scope="session")
def report_dag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags")).dags["textlake_report"]


def test_parsing_the_report_dag_imports_nothing_heavy():
    probe = textwrap.dedent(f"""
        import importlib.util, sys, time
        import airflow.sdk
        start = time.perf_counter()
        spec = importlib.util.spec_from_file_location("dag_file", {str(ROOT / "dags" / "textlake_report.py")!r})
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
        print(time.perf_counter() - start)
        print(",".join(m for m in {HEAVY!r} if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[1] == "", f"parsing the DAG imported {out[1]}"
    assert float(out[0]) < 2.0


def test_conventions_and_schedule(report_dag, dag):
    assert report_dag.doc_md and "textlake_report" in report_dag.doc_md
    assert set(report_dag.tags) >= {"textlake", "report"} and report_dag.catchup is False
    for task in report_dag.tasks:
        assert task.retries >= 2 and task.python_callable.__doc__
    published = {(a.name, a.uri) for a in dag.get_task("publish").outlets if hasattr(a, "uri")}  # Assets, not the alias
    scheduled = {(a.name, a.uri) for a in report_dag.timetable.asset_condition.objects}
    assert scheduled == {n for n in published if n[0] == "textlake_documents"}, "must be the very Asset publish emits"
    assert {o.name for o in report_dag.get_task("build").outlets} == {"textlake_report"}


def test_ingest_then_report_builds_the_report(airflow_db, dag, report_dag, tmp_path, caplog):
    from textlake.synth import write_corpus

    landing, output = tmp_path / "landing", tmp_path / "out"
    write_corpus(landing, size_mb=0.03, seed=3, sites=2, gzip_share=0)
    ingest = dag.test(run_conf={"input": str(landing), "output": str(output), "workers": 1})
    assert ingest.state == "success"

    with caplog.at_level(logging.INFO, logger="textlake"):
        run = report_dag.test(run_conf={"output": str(output)})
    assert run.state == "success"
    assert f"0 triggering event(s); reporting on [{str(output)!r}]" in caplog.text  # dag.test: no events
    folder = output / "_reports" / re.sub(r"[^A-Za-z0-9_-]+", "-", run.run_id).strip("-")[:120]
    page = (folder / "index.html").read_text(encoding="utf-8")
    images = re.findall(r"<img src='([^']+\.png)'", page)
    assert len(images) == 7 and all((folder / i).read_bytes()[:4] == b"\x89PNG" for i in images)
    assert os.readlink(output / "_reports" / "latest") == folder.name
    assert (folder / "summary_by_source_day.csv").is_file()


def test_report_on_an_output_outside_the_allowed_roots_fails_at_once(airflow_db, report_dag):
    run = report_dag.test(run_conf={"output": "/"})
    assert run.state == "failed"
    assert not Path("/_reports").exists()


def test_asset_triggered_runs_report_on_every_output_their_events_name(report_dag, tmp_path, monkeypatch):
    """The task body with a context as an asset-triggered run gets it: batched events, default params."""
    import collections
    import types

    first, second = tmp_path / "a", tmp_path / "b"
    event = lambda output, run: types.SimpleNamespace(  # noqa: E731
        asset=types.SimpleNamespace(uri="file:///elsewhere/documents"), extra={"location": f"{output}/documents", "run_id": run}
    )
    outlet_events = collections.defaultdict(types.SimpleNamespace)
    context = {
        "triggering_asset_events": {"textlake_documents": [event(first, "r1"), event(second, "r2"), event(first, "r3")]},
        "params": {"output": "/nowhere"},  # ignored: the events say where
        "run_id": "asset_triggered__2026-11-21T12:00:00+00:00",
        "outlet_events": outlet_events,
    }
    build = report_dag.get_task("build").python_callable
    monkeypatch.setitem(build.__globals__, "get_current_context", lambda: context)
    results = build()
    token = "asset_triggered__2026-11-21T12-00-00-00-00"
    assert [r["index"] for r in results] == [
        str(first / "_reports" / token / "index.html"),
        str(second / "_reports" / token / "index.html"),
    ]
    assert all(Path(r["index"]).is_file() and Path(r["latest"]).is_file() for r in results)
    (extra,) = [e.extra for e in outlet_events.values()]
    assert extra["run_id"] == token and extra["reports"] == [r["index"] for r in results]

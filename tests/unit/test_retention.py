"""Retention: old validation results, their Data Docs pages and old reports go; what is kept still works."""

from __future__ import annotations

import os
import shutil
import time

from tests.conftest import DEMO_CORPUS
from textlake import layout
from textlake.config import PipelineConfig
from textlake.pipeline import run_pipeline
from textlake.retention import DAY, prune_history


def _age(folder, days):
    stamp = time.time() - days * DAY
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (stamp, stamp), follow_symlinks=False)


def test_history_older_than_the_retention_goes_and_the_rest_keeps_working(tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(DEMO_CORPUS / "harbor-ledger", landing / "harbor-ledger")
    config = PipelineConfig.from_overrides({"input": str(landing), "output": str(tmp_path / "out"), "workers": 1})
    run_pipeline(config, run_id="last-month", progress_bar=False)
    shutil.copytree(DEMO_CORPUS / "valley-tribune", landing / "valley-tribune")
    run_pipeline(config, run_id="today", progress_bar=False)

    results = layout.quality_root(config.output) / "gx" / "uncommitted" / "validations"
    pages = layout.data_docs_site(config.output) / "validations"
    old_runs = [p for p in results.glob("*/*") if "last-month" in p.name]
    assert old_runs and all((pages / p.relative_to(results)).is_dir() for p in old_runs)
    for run in old_runs:
        _age(run, 40)
    reports = layout.reports_root(config.output)
    for name in ("2026-10-01", "2026-10-02", "2026-12-03"):
        (reports / name).mkdir(parents=True)
        (reports / name / "index.html").write_text(name)
    _age(reports / "2026-10-01", 60)
    _age(reports / "2026-10-02", 59)
    (reports / "latest").symlink_to("2026-10-02")  # the newest report is old, but it is the one users open

    removed = prune_history(config.output, keep_days=30)

    assert removed == {"validation_runs": len(old_runs), "reports": 1}
    assert not [p for p in results.glob("*/*") if "last-month" in p.name]
    assert [p for p in results.glob("*/*") if "today" in p.name]
    assert not any(pages.glob("*/*last-month*")) and any(pages.glob("*/*today*"))
    index = (layout.data_docs_site(config.output) / "index.html").read_text()
    assert "today" in index and "last-month" not in index
    assert sorted(p.name for p in reports.iterdir()) == ["2026-10-02", "2026-12-03", "latest"]
    assert prune_history(config.output, keep_days=30) == {"validation_runs": 0, "reports": 0}

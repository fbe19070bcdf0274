"""Smoke test of the benchmark harness (bench/perf.py) on a ~1 MB corpus.

Checks that one run produces a complete report with sane values; it asserts no
timing, since CI machines are shared and small corpora are dominated by start-up.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_perf_harness_reports_every_field(tmp_path: Path) -> None:
    report_file = tmp_path / "perf.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "perf.py"), "--size-mb", "1", "--sample-mb", "0.5",
         "--dag-parse-runs", "1", "--workers", "2", "--workdir", str(tmp_path), "--json", str(report_file)],
        capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "pipeline / floor" in run.stdout and "targets:" in run.stdout
    report = json.loads(report_file.read_text())

    corpus = report["corpus"]
    assert corpus["files"] > 50 and 0.9e6 <= corpus["text_bytes"] <= 1.2e6

    floor = report["io_floor"]
    assert floor["files"] == corpus["files"]
    assert floor["wall_s"] > 0 and floor["mb_per_s"] > 0 and floor["parquet_mb"] > 0

    pipe = report["pipeline"]
    for key in ("wall_s", "tree_cpu_s", "cpu_utilisation", "peak_rss_mb", "max_procs", "gx_share", "steps_wall_s"):
        assert key in pipe, key
    assert pipe["wall_s"] > 0 and pipe["tree_cpu_s"] > 0
    assert 0 < pipe["cpu_utilisation"] <= 1.05
    assert 30 < pipe["peak_rss_mb"] < 8000
    assert pipe["max_procs"] >= 2  # the CLI and its pool workers were seen
    assert set(pipe["steps_wall_s"]) == {"plan", "run_shard", "validate", "publish"}
    assert 0 < pipe["gx_share"] < 1
    files = pipe["summary"]["published"]["files"]
    assert files["rows"] == corpus["files"]  # every input file accounted for in the ledger

    derived = report["derived"]
    for key in ("mb_per_s", "docs_per_s", "floor_ratio", "mb_per_s_per_core"):
        assert derived[key] > 0, key

    stages = report["stages"]
    names = [s["stage"] for s in stages["stages"]]
    for stage in ("read", "decode", "decode (learn pass)", "learn", "clean+segment", "sentences", "language", "rows+other",
                  "write", "validate"):
        assert stage in names, stage
    assert abs(sum(s["share"] for s in stages["stages"]) - 1) < 0.01
    assert all(s["cpu_s"] >= 0 for s in stages["stages"])
    assert stages["documents"] > 0 and stages["validation_checked_rows"]["documents"] > 0

    dag = report["dag_parse"]
    assert "error" not in dag, dag.get("error")
    assert 0 < dag["parse_s_median"] < 30 and isinstance(dag["heavy_added_by_dag"], list)

    targets = report["targets"]
    assert {"wall <= 2.5x I/O floor", "per-core >= 20x datatrove", "peak RSS <= 1 GB", "GX <= 10% of the run",
            "DAG parse <= 0.3 s, no heavy imports"} <= set(targets)
    assert targets["per-core >= 20x datatrove"]["met"] is None  # not measured without --datatrove
    assert not list(tmp_path.glob("textlake-perf-*"))  # the work folder is removed without --keep

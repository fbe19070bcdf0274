"""The benchmark harness (bench/perf.py) on a ~1 MB corpus: what it measures holds together.

No timing is asserted (CI machines are shared, and a small corpus is mostly start-up);
the checks are that each measurement is of the work it names: the floor read every
file, the pipeline run accounted for every file, the step table is the run's own
statistics and adds up, and the memory figure covers the whole process tree.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_harness_measures_the_floor_the_run_and_its_steps(tmp_path: Path) -> None:
    report_file = tmp_path / "perf.json"
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "perf.py"),
            "--size-mb",
            "1",
            "--dag-parse-runs",
            "1",
            "--workers",
            "2",
            "--workdir",
            str(tmp_path),
            "--json",
            str(report_file),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(report_file.read_text())

    corpus = report["corpus"]
    assert corpus["files"] > 50 and 0.9e6 <= corpus["text_bytes"] <= 1.2e6

    floor = report["io_floor"]  # read, decode and write every file once
    assert floor["files"] == corpus["files"] and floor["text_mb"] * 1e6 >= 0.99 * corpus["text_bytes"]
    assert floor["wall_s"] > 0 and floor["parquet_mb"] > 0

    pipe = report["pipeline"]
    assert pipe["summary"]["published"]["files"]["rows"] == corpus["files"]  # every input file accounted for
    assert set(pipe["steps_wall_s"]) == {"plan", "shards", "validate", "publish"}
    assert 0 < sum(pipe["steps_wall_s"].values()) <= pipe["wall_s"]
    assert pipe["tree_cpu_s"] > 0 and 0 < pipe["cpu_utilisation"] <= 1.05
    assert pipe["max_procs"] >= 3  # the CLI, the forkserver and the pool's workers were seen
    assert pipe["max_single_rss_mb"] < pipe["peak_rss_mb"]  # summed over the tree, not one process

    chain = pipe["chain"]["steps"]
    assert [s["step"] for s in chain] == [s["step"] for s in pipe["summary"]["steps"]]  # the run's own table
    names = [s["step"] for s in chain]
    assert names[0] == "discover" and "segment" in names and names[-1] == "publish"
    for step in chain:
        assert step["docs_in"] == step["docs_out"] + step["dropped"], step
    assert chain[-1]["docs_out"] == pipe["summary"]["published"]["documents"]["rows"]
    assert abs(sum(s["share"] for s in chain) - 1) < 0.01 and all(s["cpu_s"] >= 0 for s in chain)

    derived = report["derived"]
    assert derived["mb_per_s"] == round(corpus["text_bytes"] / 1e6 / pipe["wall_s"], 2)
    assert derived["floor_ratio"] == round(pipe["wall_s"] / floor["wall_s"], 2)

    dag = report["dag_parse"]
    assert "error" not in dag, dag.get("error")
    assert dag["parse_s_median"] > 0 and dag["heavy_added_by_dag"] == []
    assert report["targets"]["per-core >= 20x datatrove"]["met"] is None  # not measured without --datatrove
    assert not list(tmp_path.glob("textlake-perf-*"))  # the work folder is removed without --keep

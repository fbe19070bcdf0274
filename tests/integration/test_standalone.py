"""The documented local set-up (`make ui`: `airflow standalone`, LocalExecutor on SQLite) at a real size.

A run triggered the way the UI's Trigger button does it (REST, `logical_date: null`, the
form's defaults: an empty conf) over a landing folder of several default-sized shards,
through the real scheduler, dag-processor, api-server and Airflow's task runner, which is
where a shard's process pool meets conditions `airflow dags test` never shows (a blocked
metadata database, the `airflow` script as the main module). The run must succeed with
every shard on its first try, publish every page, and leave task logs that tell what
each task did.

The TEXTLAKE_CONFIG of the deployment is the shipped YAML with only input, output and
allowed roots changed, so every other setting is the one users get.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest

from tests.integration.airflow_stack import standalone_deployment
from tests.integration.conftest import shipped_config_with

pytestmark = pytest.mark.integration

RUN_TIMEOUT = 1200


@pytest.fixture(scope="module")
def standalone(tmp_path_factory, real_size_landing):
    landing, _ = real_size_landing
    tmp = tmp_path_factory.mktemp("standalone")
    output = tmp / "output"
    config = shipped_config_with(
        tmp / "textlake.yaml", input=str(landing), output=str(output), allowed_roots=[str(landing.parent), str(tmp)]
    )
    with standalone_deployment(tmp, config) as deployment:
        yield deployment, output


def leftover_pool_processes(home: Path, wait: float = 20) -> list[int]:
    """Forkservers and pool workers this deployment's tasks started that are still alive after `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for proc in Path("/proc").iterdir():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if "forkserver" in cmdline and str(home) in cmdline:
                found.append(int(proc.name))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(1)


def test_a_run_from_the_trigger_form_at_real_size(standalone, real_size_landing):
    deployment, output = standalone
    _, pages = real_size_landing
    started = time.monotonic()
    run_id = deployment.trigger({})  # the Trigger button with the form as it opens
    try:
        state = deployment.wait_for_run(run_id, RUN_TIMEOUT)
        tis = deployment.task_instances(run_id)
        summary = sorted((ti["task_id"], ti["map_index"], ti["state"], ti["try_number"]) for ti in tis)
        assert state == "success", f"run ended {state}: {summary}"
        shards = [ti for ti in tis if ti["task_id"] == "process_shard"]
        assert len(shards) >= 3, summary
        assert all(ti["state"] == "success" and ti["try_number"] == 1 for ti in tis), summary

        from textlake.pipeline import dataset_counts

        counts = dataset_counts(str(output))
        assert counts["documents"] == pages and counts["files_by_status"] == {"published": pages}, counts
        assert counts["segments"] > 20 * pages and counts["comments"] > 0, counts
        assert not any((output / "_staging").iterdir())
        assert len(deployment.asset_events(run_id)) == 6

        logs = {task: deployment.task_events(run_id, task) for task in ("plan", "process_shard", "validate", "publish")}
        said = {
            task: [e["event"] for e in events if str(e.get("logger", "")).startswith("textlake")] for task, events in logs.items()
        }
        assert any(re.match(rf"plan: {pages} files found: {pages} new .*; {len(shards)} shard\(s\)", s) for s in said["plan"]), (
            said
        )
        shard_lines = [s for s in said["process_shard"] if s.startswith("shard ")]
        assert len(shard_lines) == len(shards) and all(
            f"{os.cpu_count()} process(es)" in s or os.cpu_count() == 1 for s in shard_lines
        ), shard_lines
        assert sum(int(re.search(r"(\d+) documents kept", s).group(1)) for s in shard_lines) == pages
        assert any("expectation runs over" in s and "0 documents quarantined" in s for s in said["validate"]), said
        assert any(f"documents {pages}," in s for s in said["publish"]), said
        for task, events in logs.items():  # a clean run logs no error and no traceback
            bad = [e for e in events if e.get("level") in ("error", "critical") or "error_detail" in e]
            assert not bad, (task, json.dumps(bad)[:2000])
        assert not leftover_pool_processes(deployment.stack.home), "a shard task left its pool's processes behind"
        print(f"\nstandalone: {pages} pages, {len(shards)} shards, run in {time.monotonic() - started:.0f} s")
    except BaseException:
        print(deployment.stack.tails())
        raise

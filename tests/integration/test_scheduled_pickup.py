"""A landing folder that runs itself: files dropped into it are published by scheduled runs, no Trigger pressed.

The documented local set-up (`airflow standalone`, as `make ui` starts it) with the shipped YAML
and a schedule of every minute (the compose stack's is every five), so the test waits at most
about a minute for the scheduler. Runs that find nothing new end at once and publish nothing.
"""

from __future__ import annotations

import time

import pytest

from tests.integration.airflow_stack import standalone_deployment, wait
from tests.integration.conftest import shipped_config_with

pytestmark = pytest.mark.integration

PICKUP_TIMEOUT = 420


def test_files_dropped_into_the_landing_folder_are_published_by_the_schedule(tmp_path):
    from textlake.pipeline import dataset_counts
    from textlake.synth import write_corpus

    landing, output = tmp_path / "landing", tmp_path / "output"
    landing.mkdir()
    config = shipped_config_with(
        tmp_path / "textlake.yaml",
        input=str(landing),
        output=str(output),
        allowed_roots=[str(tmp_path)],
        schedule="* * * * *",
        settle_seconds=5,
    )
    with standalone_deployment(tmp_path, config) as deployment:
        dropped = write_corpus(tmp_path / "drop", size_mb=0.3, seed=5)["files"]
        (tmp_path / "drop").rename(landing / "batch-1")  # files land as a copy tool finishes them

        def published():
            counts = dataset_counts(str(output))
            return counts if counts["files_by_status"].get("published") == dropped else None

        counts = wait(
            "the landing folder to be published by a scheduled run", published, deployment.stack, PICKUP_TIMEOUT, every=5
        )
        assert counts["documents"] == dropped
        runs = deployment.runs()
        assert runs and all(run["run_type"] == "scheduled" for run in runs), runs  # nobody pressed Trigger
        publishing = [
            r
            for r in runs
            if any(ti["task_id"] == "publish" and ti["state"] == "success" for ti in deployment.task_instances(r["dag_run_id"]))
        ]
        assert len(publishing) == 1, [(r["dag_run_id"], r["state"]) for r in runs]
        time.sleep(1)
        for run in runs:  # a run before the files landed found nothing, skipped validate and publish, and succeeded
            if run is not publishing[0] and run["state"] in ("success", "failed"):
                assert run["state"] == "success", run

"""Runs steps of a pipeline run in a child process and SIGKILLs it at a chosen side effect.

usage: python -m tests.integration.fault_driver INPUT OUTPUT RUN_ID STEPS KILL_AT
  STEPS: comma-separated subset of plan,shards,validate,publish (in that order)
  KILL_AT: "<step>:<n>" kills the process on the n-th file-system side effect of that
           step (file writes, links, renames, directory swaps, removals); "none" never kills.
Prints the number of side effects each step made, so a test can enumerate kill points.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import sys

import pyarrow.parquet as pq

from textlake import pipeline, publish, shard
from textlake.config import PipelineConfig

INGESTED_AT = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


class Tripwire:
    def __init__(self, step: str, kill_at: str):
        target, _, n = kill_at.partition(":")
        self.armed = target == step
        self.kill_at = int(n or 0)
        self.calls = 0

    def wrap(self, fn):
        def wrapped(*args, **kwargs):
            self.calls += 1
            if self.armed and self.calls == self.kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return fn(*args, **kwargs)

        return wrapped


def main() -> None:
    input_dir, output, run_id, steps, kill_at = sys.argv[1:6]
    config = PipelineConfig.from_overrides({"input": input_dir, "output": output, "workers": 1})
    shard.CHUNK_FILES = 4  # several chunk files per shard, so a kill can land between them
    counts, run = {}, None
    originals = (os.link, os.rename, shutil.rmtree, publish.exchange, pq.write_table)
    for step in steps.split(","):
        wire = Tripwire(step, kill_at)
        os.link, os.rename, shutil.rmtree = (wire.wrap(f) for f in originals[:3])
        publish.exchange = wire.wrap(originals[3])
        pq.write_table = wire.wrap(originals[4])
        if step == "plan":
            run = pipeline.plan(config, run_id, INGESTED_AT)
        elif step == "shards":  # as the DAG does: the shards plan returned, else the staged plan
            for manifest in (run or pipeline.load_run(config, run_id))["manifests"]:
                pipeline.run_shard(config, manifest)
        elif step == "validate":
            pipeline.validate(config, run_id)
        elif step == "publish":
            pipeline.publish(config, run_id)
        counts[step] = wire.calls
    print(json.dumps(counts))


if __name__ == "__main__":
    main()

import datetime as dt
import os
import signal
from concurrent.futures.process import BrokenProcessPool

import pyarrow.parquet as pq
import pytest

from textlake import runtime, shard
from textlake.config import PipelineConfig
from textlake.discover import list_inputs

DEMO = os.path.join(os.path.dirname(__file__), "..", "..", "include", "demo_corpus")


@pytest.fixture()
def context(tmp_path):
    config = PipelineConfig.from_overrides({"input": os.path.abspath(DEMO), "output": str(tmp_path / "out"), "workers": 2})
    files, _ = list_inputs(config.input, config.patterns, exclude=config.output)
    usable = [f for f in files if f.size > 100]
    yield shard.RunContext("r", dt.datetime(2026, 11, 21, tzinfo=dt.UTC), config), usable
    runtime.close_pools()


def test_one_pool_serves_every_shard_and_a_dead_worker_costs_one_retry(context, tmp_path, monkeypatch):
    ctx, files = context
    half = len(files) // 2
    monkeypatch.setattr(shard, "CHUNK_FILES", 2)  # chunks of 2 files: both workers get work
    first = shard.process_shard(files[:half], str(tmp_path / "s0"), ctx, {})
    pool = runtime._POOLS[2]
    shard.process_shard(files[half:], str(tmp_path / "s1"), ctx, {})
    assert runtime._POOLS[2] is pool  # the workers' imports are paid once per run
    os.kill(next(iter(pool._processes)), signal.SIGKILL)  # what the out-of-memory killer does
    with pytest.raises(BrokenProcessPool):
        shard.process_shard(files[half:], str(tmp_path / "s1"), ctx, {})
    retried = shard.process_shard(files[half:], str(tmp_path / "s1"), ctx, {})  # the task's retry
    assert runtime._POOLS[2] is not pool
    assert first.counts["files"] + retried.counts["files"] == len(files)
    assert retried.counts["documents"] == sum(
        pq.read_metadata(p).num_rows for p in (tmp_path / "s1" / "documents").rglob("*.parquet")
    )


def test_chunk_files_merge_into_few_sorted_files(context, tmp_path, monkeypatch):
    ctx, files = context
    monkeypatch.setattr(shard, "CHUNK_FILES", 1)
    monkeypatch.setattr(shard, "MERGE_BYTES", 1)  # every chunk file is its own group
    result = shard.process_shard(files, str(tmp_path / "s"), ctx, {})
    leaves = list((tmp_path / "s" / "segments").glob("source=*"))
    assert leaves and not list((tmp_path / "s").glob("*/source=*/*-c*.parquet"))  # no chunk file left
    for leaf in leaves:
        for path in leaf.glob("*.parquet"):
            table = pq.read_table(path)
            keys = list(zip(table["doc_id"].to_pylist(), table["seq"].to_pylist(), strict=True))
            assert keys == sorted(keys)
    assert result.counts["documents"] == sum(
        pq.read_metadata(p).num_rows for p in (tmp_path / "s" / "documents").rglob("*.parquet")
    )

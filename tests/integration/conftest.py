"""A landing folder at the size users bring, written once per session for the deployment tests."""

from __future__ import annotations

import pytest
import yaml

from textlake.config import DEFAULT_CONFIG, PipelineConfig

# With the shipped shard size, about 2.3 shards' worth of pages: several shard tasks, the last a short one.
SHARDS_WORTH = 2.3


@pytest.fixture(scope="session")
def real_size_landing(tmp_path_factory) -> tuple:
    """(landing folder, number of pages) holding ≥ 50 MB and several default-sized shards of synthetic pages."""
    from textlake.synth import write_corpus

    size_mb = max(50.0, SHARDS_WORTH * PipelineConfig.from_overrides(check=False).shard_target_mb)
    landing = tmp_path_factory.mktemp("real-size") / "landing"
    written = write_corpus(landing, size_mb=size_mb, seed=11)
    return landing, written["files"]


def shipped_config_with(path, **changes) -> str:
    """The shipped YAML with `changes` (input, output, allowed roots): every other setting as users get it."""
    values = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    values.update(changes)
    path.write_text(yaml.safe_dump(values), encoding="utf-8")
    return str(path)

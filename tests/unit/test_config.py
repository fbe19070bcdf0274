import pytest

from textlake.config import PROJECT_ROOT, ConfigError, PipelineConfig


def test_defaults_resolve_relative_to_the_project():
    config = PipelineConfig.from_overrides()
    assert config.input == str(PROJECT_ROOT / "include" / "demo_corpus")
    assert config.output == str(PROJECT_ROOT / "data" / "textlake")


def test_overrides_win_and_uris_pass_through():
    config = PipelineConfig.from_overrides({"input": "s3://bucket/raw", "workers": 3, "output": None})
    assert config.input == "s3://bucket/raw"
    assert config.workers == 3 and config.worker_count == 3
    assert config.output.endswith("data/textlake")


@pytest.mark.parametrize(
    "overrides, message",
    [({"nonsense": 1}, "unknown setting"), ({"source_from": "moon"}, "source_from"),
     ({"shard_target_mb": 0}, "shard_target_mb"), ({"patterns": []}, "pattern")],
)
def test_bad_settings_are_refused_before_work(overrides, message):
    with pytest.raises(ConfigError, match=message):
        PipelineConfig.from_overrides(overrides)

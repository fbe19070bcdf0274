import pytest

from textlake.config import PROJECT_ROOT, ConfigError, PipelineConfig


def test_defaults_resolve_relative_to_the_project():
    config = PipelineConfig.from_overrides()
    assert config.input == str(PROJECT_ROOT / "include" / "demo_corpus")
    assert config.output == str(PROJECT_ROOT / "data" / "textlake")


def test_overrides_win_and_uris_pass_through():
    config = PipelineConfig.from_overrides(
        {"input": "s3://bucket/raw", "workers": 3, "output": None, "allowed_schemes": ["file", "s3"]}
    )
    assert config.input == "s3://bucket/raw"
    assert config.workers == 3 and config.worker_count == 3
    assert config.output.endswith("data/textlake")


@pytest.mark.parametrize("location", ["data/../../etc", "/tmp/../etc/x", "s3://bucket/a/../b"])
def test_parent_steps_are_refused(location):
    with pytest.raises(ConfigError, match=r"'\.\.' is not allowed"):
        PipelineConfig.from_overrides({"input": location, "allowed_schemes": ["file", "s3"]})


def test_locations_outside_the_allowed_roots_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTLAKE_ALLOWED_ROOTS", str(tmp_path / "allowed"))
    (tmp_path / "allowed").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "allowed" / "sneaky").symlink_to(tmp_path / "elsewhere")
    assert PipelineConfig.from_overrides({"input": str(tmp_path / "allowed"), "output": str(tmp_path / "allowed" / "out")})
    with pytest.raises(ConfigError, match="outside the allowed roots"):
        PipelineConfig.from_overrides({"input": str(tmp_path / "elsewhere"), "output": str(tmp_path / "allowed")})
    with pytest.raises(ConfigError, match="outside the allowed roots"):  # a link inside the root that leads out
        PipelineConfig.from_overrides({"input": str(tmp_path / "allowed" / "sneaky"), "output": str(tmp_path / "allowed")})


def test_uri_schemes_and_prefixes_are_checked():
    with pytest.raises(ConfigError, match="scheme 's3' is not in allowed_schemes"):
        PipelineConfig.from_overrides({"input": "s3://bucket/raw"})
    config = {"allowed_schemes": ["file", "s3"], "allowed_roots": [".", "s3://landing"]}
    assert PipelineConfig.from_overrides({"input": "s3://landing/raw", **config})
    with pytest.raises(ConfigError, match="not under an allowed root"):
        PipelineConfig.from_overrides({"input": "s3://other-bucket/raw", **config})


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"nonsense": 1}, "unknown setting"),
        ({"source_from": "moon"}, "source_from"),
        ({"shard_target_mb": 0}, "shard_target_mb"),
        ({"patterns": []}, "pattern"),
    ],
)
def test_bad_settings_are_refused_before_work(overrides, message):
    with pytest.raises(ConfigError, match=message):
        PipelineConfig.from_overrides(overrides)


def test_connection_fields_become_storage_options():
    from textlake.config import storage_options_from_connection

    assert storage_options_from_connection("aws", "AKIA", "s3cr3t", {"endpoint_url": "http://minio:9000", "other": 1}) == {
        "key": "AKIA",
        "secret": "s3cr3t",
        "client_kwargs": {"endpoint_url": "http://minio:9000"},
    }
    assert storage_options_from_connection("aws", None, None, {}) == {}  # instance roles: nothing to pass
    assert storage_options_from_connection("google_cloud_platform", None, None, {"project": "p"}) == {"project": "p"}


def test_object_store_output_needs_a_local_staging_folder():
    with pytest.raises(ConfigError, match="needs `staging`"):
        PipelineConfig.from_overrides({"output": "s3://lake/out", "allowed_schemes": ["file", "s3"]})
    config = PipelineConfig.from_overrides(
        {"output": "s3://lake/out", "allowed_schemes": ["file", "s3"], "staging": "data/stage"}
    )
    assert config.work_dir.endswith("data/stage")

"""Input and output on S3, against a local S3-compatible server (moto) started by the test."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import fsspec
import pytest
import yaml

from tests.conftest import ROOT
from textlake.synth import write_corpus

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    fs = fsspec.filesystem("s3", key="test", secret="test", client_kwargs={"endpoint_url": endpoint})
    for bucket in ("landing", "lake"):
        fs.mkdir(bucket)  # us-east-1: a bucket without a location constraint
    yield endpoint, fs
    server.stop()


@pytest.fixture
def s3_setup(s3_endpoint, tmp_path):
    """A config for S3 in and out, a landing prefix with pages, and a clean lake prefix."""
    endpoint, fs = s3_endpoint
    prefix = tmp_path.name
    local = tmp_path / "pages"
    write_corpus(local, size_mb=0.1, seed=11, sites=2)
    fs.put(str(local) + "/", f"landing/{prefix}/", recursive=True)
    config = {
        "input": f"s3://landing/{prefix}",
        "output": f"s3://lake/{prefix}",
        "staging": str(tmp_path / "stage"),
        "allowed_roots": [str(tmp_path), "s3://landing", "s3://lake"],
        "allowed_schemes": ["file", "s3"],
        "storage_options": {"client_kwargs": {"endpoint_url": endpoint}},
        "workers": 2,
    }
    path = tmp_path / "s3.yaml"
    path.write_text(yaml.safe_dump(config))
    n_files = len([p for p in local.rglob("*") if p.is_file()])
    return path, config, fs, prefix, n_files


def cli(config_path, *args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "TEXTLAKE_ALLOWED_ROOTS"}
    env.update({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", **(env_extra or {})})
    out = subprocess.run(
        [sys.executable, "-m", "textlake", *args, "--config", str(config_path)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def test_cli_reads_and_publishes_on_s3(s3_setup):
    path, config, fs, prefix, n_files = s3_setup
    summary = cli(path, "run", "--no-progress")
    assert summary["published"]["files"]["published"] == n_files
    assert fs.glob(f"lake/{prefix}/documents/ingest_date=*/source=*/part-*.parquet")
    counts = cli(path, "summary")
    assert counts["documents"] == n_files and counts["files_by_status"] == {"published": n_files}
    again = cli(path, "run", "--no-progress")  # rerun: nothing new
    assert again["plan"]["skipped_known"] == n_files and again["plan"]["nothing_new"] and again["published"] is None
    fs.pipe_file(
        f"landing/{prefix}/late/new-page.txt", b"Late Page Title\n\n" + b"The harbour reopened on Monday after the storm. " * 10
    )
    third = cli(path, "run", "--no-progress")
    assert third["plan"]["to_process"] == 1 and third["published"]["documents"] == {"rows": 1}
    assert cli(path, "summary")["documents"] == n_files + 1
    assert not any((path.parent / "stage" / "_staging").iterdir())


def test_publish_retry_on_s3_is_idempotent(s3_setup):
    path, config, fs, prefix, n_files = s3_setup
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
    from textlake import pipeline
    from textlake.config import PipelineConfig

    conf = PipelineConfig.from_overrides(
        {**config, "storage_options": {**config["storage_options"], "key": "test", "secret": "test"}}, path=path
    )
    import datetime as dt

    run = pipeline.plan(conf, "retry-run", dt.datetime(2026, 11, 21, tzinfo=dt.UTC))
    for manifest in run["manifests"]:
        pipeline.run_shard(conf, manifest)
    pipeline.validate(conf, "retry-run")
    stage = pipeline.staging_dir(conf, "retry-run")
    from textlake.publish import publish_run
    from textlake.validate import ValidationReport

    report = ValidationReport(**json.loads((stage / "validation.json").read_text()))
    for _ in range(2):  # the first attempt "died" after publishing; its retry must add nothing
        publish_run(
            conf.output, str(stage), run["run_id"], "2026-11-21", report.quarantined, None, conf.work_dir, conf.storage_options
        )
    assert pipeline.publish(conf, "retry-run")["documents"]["rows"] == n_files
    assert pipeline.dataset_counts(conf.output, conf.storage_options)["documents"] == n_files


@pytest.mark.airflow
def test_dag_takes_object_store_credentials_from_a_connection(s3_setup, airflow_db, dag, monkeypatch):
    path, config, fs, prefix, n_files = s3_setup
    endpoint = config["storage_options"]["client_kwargs"]["endpoint_url"]
    settings = yaml.safe_load(path.read_text())
    # Locations stay the defaults (the run's conf names the buckets), so the DAG's Assets stay the same.
    settings.update(
        storage_options={},
        storage_conn_id="lake_s3",
        input=str(ROOT / "include" / "demo_corpus"),
        output=str(ROOT / "data" / "textlake"),
    )
    path.write_text(yaml.safe_dump(settings))
    monkeypatch.setenv("TEXTLAKE_CONFIG", str(path))
    monkeypatch.setenv(
        "AIRFLOW_CONN_LAKE_S3",
        json.dumps({"conn_type": "aws", "login": "test", "password": "test", "extra": {"endpoint_url": endpoint}}),
    )
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    run = dag.test(run_conf={"input": config["input"], "output": config["output"]})
    assert run.state == "success"
    assert len(fs.glob(f"lake/{prefix}/files/ingest_date=*/part-*.parquet")) == 1

import datetime as dt
import logging

import pytest

from textlake import pipeline
from textlake.clean import SourceProfile
from textlake.config import PipelineConfig
from textlake.pipeline import NothingStaged, load_profiles, remember_profiles, run_pipeline, write_profiles


def test_what_runs_learn_about_a_source_accumulates(tmp_path):
    config = PipelineConfig.from_overrides({"input": str(tmp_path), "output": str(tmp_path / "out")})
    learned = SourceProfile()
    for text in ("Menu | Home\nOne story.", "Menu | Home\nAnother story."):
        learned.observe(text)
    stage = tmp_path / "out" / "_staging" / "run"
    write_profiles(stage / "shards" / "shard-00000" / "profiles", {"Site Ä": learned})
    remember_profiles(config, stage)
    remember_profiles(config, stage)  # a second run that learned the same
    profiles = load_profiles(config)
    assert list(profiles) == ["Site Ä"] and profiles["Site Ä"].n_docs == 4
    assert "menu | home" in profiles["Site Ä"].template(min_docs=4)
    keys, counts = profiles["Site Ä"].counts()
    assert sorted(counts.tolist()) == [2, 2, 4]


def demo_config(tmp_path, **overrides):
    from tests.conftest import DEMO_CORPUS

    return PipelineConfig.from_overrides({"input": str(DEMO_CORPUS), "output": str(tmp_path / "out"), "workers": 1, **overrides})


def test_every_step_logs_a_summary_of_what_it_did(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="textlake"):
        run_pipeline(demo_config(tmp_path), run_id="summaries", progress_bar=False)
    lines = {r.getMessage().split(":", 1)[0].split(" ")[0]: r.getMessage() for r in caplog.records}
    assert "19 files found: 18 new" in lines["plan"] and "1 duplicates" in lines["plan"] and "1 shard(s)" in lines["plan"]
    assert "14 documents kept, 4 dropped" in lines["shard"] and "decode: empty file 1" in lines["shard"]
    assert "expectation runs over 14 documents" in lines["validate"] and "0 documents quarantined" in lines["validate"]
    assert "documents 14, segments 510" in lines["publish"] and "rejected 4" in lines["publish"]


def test_a_run_that_finds_nothing_new_stages_nothing(tmp_path, caplog):
    config = demo_config(tmp_path)
    run_pipeline(config, run_id="first", progress_bar=False)
    with caplog.at_level(logging.INFO, logger="textlake"):
        again = run_pipeline(config, run_id="again", progress_bar=False)
    assert again["plan"]["nothing_new"] and again["published"] is None and again["validation"] is None
    assert "nothing new, so nothing is staged" in caplog.text
    out = tmp_path / "out"
    assert not list((out / "_staging").iterdir()) and not list((out / "_state" / "runs").iterdir())
    assert not (out / "_manifests" / "again.json").exists()
    with pytest.raises(NothingStaged, match="its plan found nothing new"):
        pipeline.validate(config, "again")
    with pytest.raises(NothingStaged):
        pipeline.publish(config, "again")


def test_a_published_run_removes_the_staging_of_older_runs_that_are_not_working(tmp_path):
    config = demo_config(tmp_path)
    started = dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc)
    pipeline.plan(config, "failed-earlier", started)  # a run that failed after planning
    pipeline.plan(config, "working-now", started + dt.timedelta(seconds=1))
    stage = tmp_path / "out" / "_staging"
    with pipeline.run_lock(config, "working-now"):  # one of its steps is running in another process
        run_pipeline(config, run_id="later", progress_bar=False)
        assert sorted(p.name for p in stage.iterdir()) == ["working-now"]
    run_pipeline(config, run_id="latest", progress_bar=False)  # nothing new, but it does not publish: no cleanup
    pipeline.publish(config, "later")  # a retry of a published run changes nothing
    assert sorted(p.name for p in stage.iterdir()) == ["working-now"]

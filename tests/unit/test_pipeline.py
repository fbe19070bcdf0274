from textlake.clean import SourceProfile
from textlake.config import PipelineConfig
from textlake.pipeline import load_profiles, remember_profiles, write_profiles


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

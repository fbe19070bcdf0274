import datetime as dt
import json
import logging
import shutil
import time
from collections import Counter

import pyarrow.dataset as ds
import pytest

from textlake import pipeline
from textlake.config import PipelineConfig
from textlake.pipeline import NothingStaged, load_profiles, remember_profiles, run_pipeline
from textlake.rules import DOCUMENT_RULES
from textlake.steps import StepStats
from textlake.template import SourceProfile, write_profiles


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


# The document chain's steps, the document rules (whichever there are) after segmentation.
CHAIN = [
    "read",
    "decode",
    "source",
    "clean",
    "segment",
    *(rule.name for rule, _ in DOCUMENT_RULES),
    "sentences",
    "language",
    "mentions",
    "signature",
]


def demo_config(tmp_path, **overrides):
    from tests.conftest import DEMO_CORPUS

    return PipelineConfig.from_overrides({"input": str(DEMO_CORPUS), "output": str(tmp_path / "out"), "workers": 1, **overrides})


def test_every_step_logs_a_summary_of_what_it_did(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="textlake"):
        run_pipeline(demo_config(tmp_path), run_id="summaries", progress_bar=False)
    lines = {r.getMessage().split(":", 1)[0].split(" ")[0]: r.getMessage() for r in caplog.records}
    assert "19 files found: 18 new" in lines["plan"] and "1 duplicates" in lines["plan"] and "1 shard(s)" in lines["plan"]
    assert "14 documents kept, 4 dropped" in lines["shard"] and "empty 1" in lines["shard"]
    table = lines["shard"].splitlines()[1:]  # one line per step of the chain
    assert [row.split()[0] for row in table[1:]] == ["learn", *CHAIN]
    assert "expectation runs over 14 documents" in lines["validate"] and "0 documents quarantined" in lines["validate"]
    assert "documents 14, segments 480" in lines["publish"] and "rejected 4" in lines["publish"]


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
    started = dt.datetime(2026, 11, 21, tzinfo=dt.UTC)
    pipeline.plan(config, "failed-earlier", started)  # a run that failed after planning
    pipeline.plan(config, "working-now", started + dt.timedelta(seconds=1))
    stage = tmp_path / "out" / "_staging"
    with pipeline.run_lock(config, "working-now"):  # one of its steps is running in another process
        run_pipeline(config, run_id="later", progress_bar=False)
        assert sorted(p.name for p in stage.iterdir()) == ["working-now"]
    run_pipeline(config, run_id="latest", progress_bar=False)  # nothing new, but it does not publish: no cleanup
    pipeline.publish(config, "later")  # a retry of a published run changes nothing
    assert sorted(p.name for p in stage.iterdir()) == ["working-now"]


@pytest.fixture(params=["demo", "seeds"])
def published(request, tmp_path):
    """A published run over the demo corpus or the seed pages, and its manifest."""
    from tests.conftest import DEMO_CORPUS, SEEDS

    if request.param == "seeds" and not SEEDS.is_dir():
        pytest.skip("the seed pages are expected in ../shared/seeds")
    corpus, source_from = (DEMO_CORPUS, "path") if request.param == "demo" else (tmp_path / "seeds", "text")
    if request.param == "seeds":
        shutil.copytree(SEEDS, corpus)
    config = PipelineConfig.from_overrides(
        {"input": str(corpus), "output": str(tmp_path / "out"), "workers": 2, "source_from": source_from}
    )
    run_pipeline(config, run_id="counted", progress_bar=False)
    manifest = json.loads((tmp_path / "out" / "_manifests" / "counted.json").read_text())
    return config, manifest


def test_step_statistics_add_up(published):
    config, manifest = published
    steps = [StepStats.from_dict(s) for s in manifest["steps"]]
    names = [s.step for s in steps]
    assert names == ["discover", "learn", *CHAIN, "validate", "publish"]
    for step in steps:  # every step: what came in went on or was dropped, with a reason
        assert step.docs_in == step.docs_out + sum(step.dropped.values()), step
    chain = [s for s in steps if s.step != "learn"]
    for before, after in zip(chain, chain[1:], strict=False):
        assert before.docs_out == after.docs_in, (before.step, after.step)
    learn, read = steps[1], steps[2]
    assert learn.docs_in == read.docs_in  # the first pass sees the same files

    counts = manifest["counts"]
    assert chain[-1].docs_out == counts["documents"]["rows"]
    docs = ds.dataset(f"{config.output}/documents", format="parquet", partitioning="hive").to_table()
    lines = sum(sum(s.lines_dropped.values()) for s in chain)
    assert lines == sum(docs["n_dropped_lines"].to_pylist()) > 0
    # the ledger says the same, by reason code
    files = ds.dataset(f"{config.output}/files", format="parquet", partitioning="hive").to_table().to_pylist()
    ledger = Counter(f["reason_code"] for f in files if f["status"] != "published")
    dropped = Counter()
    for step in chain:
        dropped.update(step.dropped)
    assert ledger == dropped - Counter({"already_ingested": dropped["already_ingested"]})
    removals = Counter()
    for row in manifest["removals"]:
        removals[row["unit"]] += row["count"]
    assert removals["lines"] == lines and removals["documents"] == sum(
        sum(s.dropped.values()) for s in chain if s.step not in ("discover", "validate", "publish")
    )


def test_auditing_removals_publishes_every_removed_line_with_its_reason(tmp_path):
    config = demo_config(tmp_path, audit_removed=True)
    summary = run_pipeline(config, run_id="audited", progress_bar=False)
    out = tmp_path / "out"
    removed = ds.dataset(out / "removed", format="parquet", partitioning="hive").to_table()
    docs = ds.dataset(out / "documents", format="parquet", partitioning="hive").to_table()
    assert removed.num_rows == sum(docs["n_dropped_lines"].to_pylist()) == summary["published"]["removed"]["rows"] > 0
    assert set(removed["doc_id"].to_pylist()) <= set(docs["doc_id"].to_pylist())
    rows = removed.to_pylist()
    assert all(r["line_no"] >= 1 and r["text"] and r["reason_code"] and r["stage"] in ("clean", "segment") for r in rows)
    by_code = Counter(r["reason_code"] for r in rows)
    assert by_code["template_repeat"] > 0 and by_code["comment_ui"] > 0
    # the line numbers point into the decoded page: a removed line is that line of the file
    doc = next(d for d in docs.to_pylist() if d["source_uri"].endswith("2026-03-04-port-strike.txt"))
    page = open(doc["source_uri"], encoding="utf-8").read().split("\n")
    for row in (r for r in rows if r["doc_id"] == doc["doc_id"]):
        assert page[row["line_no"] - 1] == row["text"]
    assert summary["validation"]["checked_rows"]["removed"] == removed.num_rows
    assert len(list((out / "_quality" / "gx" / "uncommitted" / "validations" / "removed").rglob("*.json"))) == 1


def test_without_the_audit_no_removed_dataset_is_written(tmp_path):
    summary = run_pipeline(demo_config(tmp_path), run_id="plain", progress_bar=False)
    assert summary["published"]["removed"] == {"rows": 0} and not (tmp_path / "out" / "removed").exists()


def test_the_summary_counts_files_and_quarantine_by_reason_code(tmp_path):
    config = demo_config(tmp_path)
    run_pipeline(config, run_id="summarised", progress_bar=False)
    counts = pipeline.dataset_counts(config.output)
    assert counts["files_by_status"] == {"published": 14, "rejected": 4, "duplicate": 1}
    assert counts["files_by_reason"] == {
        "duplicate: duplicate_content": 1,
        "rejected: binary": 1,
        "rejected: empty": 1,
        "rejected: truncated_gzip": 1,
        "rejected: whitespace_only": 1,
    }
    assert counts["quarantine_by_reason"] == {
        "decode: binary": 1,
        "decode: empty": 1,
        "decode: truncated_gzip": 1,
        "decode: whitespace_only": 1,
    }


def test_a_file_written_slowly_during_a_run_is_published_once_whole(tmp_path):
    import threading

    landing = tmp_path / "landing" / "harbor.example"
    landing.mkdir(parents=True)
    first = "Pier to close for winter repairs\n\n" + (
        "The harbour authority confirmed on Monday that the north pier will close for repairs until March. " * 3
    )
    last = "\n\nFerries will use the southern berth, and the timetable will not change, the authority said."
    page = landing / "pier.txt"
    page.write_text(first, encoding="utf-8")
    config = PipelineConfig.from_overrides(
        {"input": str(tmp_path / "landing"), "output": str(tmp_path / "out"), "workers": 1, "settle_seconds": 3}
    )

    def finish_writing():
        time.sleep(0.5)
        with page.open("a", encoding="utf-8") as handle:
            handle.write(last)

    writer = threading.Thread(target=finish_writing)
    writer.start()
    during = run_pipeline(config, run_id="while-copying", progress_bar=False)  # the file is a moment old
    writer.join()
    assert during["plan"]["waiting"] == 1 and during["plan"]["nothing_new"] and during["published"] is None
    time.sleep(max(0.0, page.stat().st_mtime + 3.2 - time.time()))
    after = run_pipeline(config, run_id="settled", progress_bar=False)
    assert after["plan"]["waiting"] == 0
    files = ds.dataset(f"{config.output}/files", format="parquet", partitioning="hive").to_table().to_pylist()
    docs = ds.dataset(f"{config.output}/documents", format="parquet", partitioning="hive").to_table().to_pylist()
    assert [f["status"] for f in files] == ["published"] and len(docs) == 1
    assert docs[0]["body"].endswith("the timetable will not change, the authority said.")


def test_copies_of_a_page_are_duplicates_by_their_decoded_text(tmp_path):
    import gzip

    landing = tmp_path / "landing" / "harbor.example"
    landing.mkdir(parents=True)
    page = "Pier to close for winter repairs\n\n" + (
        "The harbour authority confirmed on Monday that the north pier will close for repairs until March. " * 3
    )
    (landing / "pier.txt").write_text(page, encoding="utf-8")
    (landing / "pier-copy.txt.gz").write_bytes(gzip.compress(page.encode("utf-8")))
    (landing / "pier-crlf.txt").write_bytes(page.replace("\n", "\r\n").encode("utf-8"))
    config = PipelineConfig.from_overrides({"input": str(tmp_path / "landing"), "output": str(tmp_path / "out"), "workers": 1})
    run_pipeline(config, run_id="first", progress_bar=False)
    (landing / "pier-bom.txt").write_bytes(b"\xef\xbb\xbf" + page.encode("utf-8"))  # a later copy, with a BOM
    run_pipeline(config, run_id="second", progress_bar=False)

    files = ds.dataset(f"{config.output}/files", format="parquet", partitioning="hive").to_table().to_pylist()
    by_name = {f["source_uri"].rsplit("/", 1)[-1]: f for f in files}
    docs = ds.dataset(f"{config.output}/documents", format="parquet", partitioning="hive").to_table().to_pylist()
    assert len(docs) == 1 and by_name["pier-copy.txt.gz"]["status"] == "published"  # the first in the run's order
    original = by_name["pier-copy.txt.gz"]["source_uri"]
    for name, when in (
        ("pier-crlf.txt", "in this run"),
        ("pier.txt", "in this run"),
        ("pier-bom.txt", "published by another run"),
    ):
        row = by_name[name]
        assert row["status"] == "duplicate" and row["reason_code"] == "duplicate_content", row
        assert row["reason"] == f"same text as {original}, {when}" and row["doc_id"] == docs[0]["doc_id"]
    assert len({f["text_sha256"] for f in files}) == 1


def test_a_path_with_new_content_is_a_new_version_and_one_query_gives_the_current_ones(tmp_path):
    import duckdb

    landing = tmp_path / "landing" / "harbor.example"
    landing.mkdir(parents=True)
    config = PipelineConfig.from_overrides({"input": str(tmp_path / "landing"), "output": str(tmp_path / "out"), "workers": 1})
    body = "The harbour authority confirmed on Monday that the north pier will close for repairs until March. " * 3
    (landing / "other.txt").write_text(f"Ferry timetable changes\n\n{body.replace('pier', 'ferry')}", encoding="utf-8")
    for n, headline in enumerate(("Pier to close", "Pier to close for winter repairs", "Pier closure postponed")):
        (landing / "pier.txt").write_text(f"{headline}\n\n{body}\n\nCorrection {n}: the dates were updated.", encoding="utf-8")
        run_pipeline(config, run_id=f"crawl-{n}", progress_bar=False)

    docs = ds.dataset(f"{config.output}/documents", format="parquet", partitioning="hive").to_table().to_pylist()
    pier = sorted((d for d in docs if d["source_uri"].endswith("pier.txt")), key=lambda d: d["version"])
    assert [d["version"] for d in pier] == [1, 2, 3]
    assert [d["supersedes"] for d in pier] == [None, pier[0]["doc_id"], pier[1]["doc_id"]]
    files = ds.dataset(f"{config.output}/files", format="parquet", partitioning="hive").to_table().to_pylist()
    assert [f["status"] for f in files if f["source_uri"].endswith("pier.txt")] == ["published"] * 3
    # the README's query for the current documents
    current = duckdb.sql(
        f"SELECT title FROM read_parquet('{config.output}/documents/**/*.parquet', hive_partitioning=true, union_by_name=true) "
        "WHERE doc_id NOT IN (SELECT supersedes FROM read_parquet("
        f"'{config.output}/documents/**/*.parquet', union_by_name=true) WHERE supersedes IS NOT NULL) ORDER BY title"
    ).fetchall()
    assert current == [("Ferry timetable changes",), ("Pier closure postponed",)]

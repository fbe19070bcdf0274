"""The real DAG, run with `dag.test()` on the seed files, then read back as an analyst would.

All DAG runs share one pytest session: the in-process Execution API costs ~10 s to
build once per process.
"""

from __future__ import annotations

import logging
import shutil

import duckdb
import pytest

pytestmark = pytest.mark.airflow

SEED_TITLES = {
    "000_7c72e87b18bf5244.txt": "Jaish al-Islam (Participant Of Astana Peace Talks) Joins Hayat Tahrir al-Sham & Co "
    "In Advance Against Government Forces In Eastern Damascus",
    "001_0d76f0c79f0802a8.txt": "Jaish al-Islam Recaptures More Areas From ISIS In Qalamoun",
    "002_b56186b7e25fdbe2.txt": "Jaysh al-Islam Officially Unites With Al-Qaeda In Eastern Ghouta",
    "003_c1eb2a3137150fa0.txt": "Jaish al-Islam Is Ready To Back To Negotiations As Syrian Army Advances In Douma (Map, Video)",
    "004_5adbe64cfe7ff13b.txt": "Jaish al-Islam spokesperson: ‘We represent the biggest threat to IS’",
}
PAGE_LEFTOVERS = (
    "Support SouthFront",
    "Notify of",
    "Newest Most Voted",
    "Inline Feedbacks",
    "View all comments",
    "please comment",
    "Consider helping us",
    "Share this article",
    "2,500 $",
    "JUNE 2021",
)


def query(output, sql):
    con = duckdb.connect()
    for name in ("documents", "segments", "comments", "files", "quarantine"):
        if (output / name).exists():
            con.sql(
                f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{output}/{name}/**/*.parquet', "
                "hive_partitioning=true, union_by_name=true)"
            )
    return con.sql(sql).fetchall()


@pytest.fixture(scope="session")
def seed_run(airflow_db, dag, seeds, tmp_path_factory):
    landing = tmp_path_factory.mktemp("landing")
    shutil.copytree(seeds, landing / "seeds")
    output = tmp_path_factory.mktemp("out")
    run = dag.test(run_conf={"input": str(landing), "output": str(output), "source_from": "text"})
    return run, landing, output


def test_run_succeeds_and_every_task_ran(seed_run):
    run, _, _ = seed_run
    assert run.state == "success"
    assert {ti.task_id: ti.state for ti in run.get_task_instances()} == {
        "plan": "success",
        "process_shard": "success",
        "validate": "success",
        "publish": "success",
    }


def test_titles_are_found(seed_run):
    _, _, output = seed_run
    titles = dict(query(output, "SELECT regexp_extract(source_uri, '[^/]+$'), title FROM documents"))
    assert titles == SEED_TITLES


def test_bodies_are_free_of_page_leftovers(seed_run):
    _, _, output = seed_run
    for uri, body in query(output, "SELECT source_uri, body FROM documents"):
        for leftover in PAGE_LEFTOVERS:
            assert leftover not in body, f"{leftover!r} left in {uri}"


def test_comments_are_split_out_with_authors(seed_run):
    _, _, output = seed_run
    rows = query(
        output,
        "SELECT regexp_extract(d.source_uri, '[^/]+$'), c.author, c.depth FROM comments c "
        "JOIN documents d USING (doc_id) ORDER BY 1, c.comment_seq",
    )
    seed0 = [(a, depth) for f, a, depth in rows if f.startswith("000")]
    assert seed0 == [("Trustin Judeau", 0), ("Attrition47", 1), ("Dejan", 1), ("VGA", 1)]
    authors = {a for _, a, _ in rows}
    assert {"John Whitehot", "Richard M", "jerry hamilton", "Pave Way IV"} <= authors
    for _, body in query(output, "SELECT source_uri, body FROM documents"):
        assert "Trustin Judeau" not in body and "Russia should understand" not in body


def test_dates_only_when_stated_as_the_article_date(seed_run):
    _, _, output = seed_run
    dates = dict(query(output, "SELECT regexp_extract(source_uri, '[^/]+$'), CAST(published_date AS VARCHAR) FROM documents"))
    assert dates["004_5adbe64cfe7ff13b.txt"] == "2015-03-23"
    assert dates["003_c1eb2a3137150fa0.txt"] is None  # "JUNE 2021" is the donation campaign's month


def test_sentences_point_into_the_body(seed_run):
    _, _, output = seed_run
    bad = query(
        output,
        "SELECT count(*) FROM segments s JOIN documents d USING (doc_id) WHERE s.kind IN ('sentence', 'paragraph') "
        "AND substring(d.body, s.char_start + 1, s.char_end - s.char_start) <> s.text",
    )
    assert bad == [(0,)]
    assert query(output, "SELECT count(*) FROM segments WHERE kind = 'sentence'")[0][0] > 50


def test_ledger_accounts_for_every_file(seed_run):
    _, _, output = seed_run
    assert query(output, "SELECT status, count(*) FROM files GROUP BY 1") == [("published", 5)]


def test_rerun_adds_nothing_and_a_new_file_is_picked_up(seed_run, dag):
    _, landing, output = seed_run
    conf = {"input": str(landing), "output": str(output), "source_from": "text"}
    assert dag.test(run_conf=conf).state == "success"
    assert query(output, "SELECT count(*) FROM documents") == [(5,)]
    shutil.copy(landing / "seeds" / "001_0d76f0c79f0802a8.txt", landing / "same bytes, new name.txt")
    (landing / "empty.txt").write_bytes(b"")
    assert dag.test(run_conf=conf).state == "success"
    assert query(output, "SELECT count(*) FROM documents") == [(5,)]
    statuses = dict(
        query(output, "SELECT regexp_extract(source_uri, '[^/]+$'), status || ': ' || coalesce(reason, '') FROM files")
    )
    assert statuses["same bytes, new name.txt"].startswith("duplicate: same content as")
    assert statuses["empty.txt"] == "rejected: decode: empty file"
    assert query(output, "SELECT count(*) FROM files") == [(7,)]


def test_unknown_conf_keys_fail_the_run_before_work(airflow_db, dag, tmp_path):
    run = dag.test(run_conf={"output": str(tmp_path), "outptu": "typo"})
    assert run.state == "failed"
    assert not (tmp_path / "documents").exists()


def asset_events(run_id: str) -> list:
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session

    with create_session() as session:
        return [(e.asset.name, e.extra) for e in session.query(AssetEvent).filter(AssetEvent.source_run_id == run_id)]


def test_a_run_that_finds_nothing_new_skips_validate_and_publish(seed_run, dag, caplog):
    first, landing, output = seed_run
    assert len(asset_events(first.run_id)) == 6
    conf = {"input": str(landing), "output": str(output), "source_from": "text"}
    assert dag.test(run_conf=conf).state == "success"  # whatever the earlier tests left new
    before = {p: p.stat().st_mtime_ns for p in output.rglob("*") if not p.is_relative_to(output / "_state")}
    with caplog.at_level(logging.INFO, logger="textlake"):
        run = dag.test(run_conf=conf)
    assert run.state == "success"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states == {"plan": "success", "process_shard": "skipped", "validate": "skipped", "publish": "skipped"}, states
    assert asset_events(run.run_id) == []  # no event: no report run
    assert "nothing new, so nothing is staged" in caplog.text
    after = {p: p.stat().st_mtime_ns for p in output.rglob("*") if not p.is_relative_to(output / "_state")}
    assert after == before  # no partition, no manifest, no Data Docs rebuilt


def test_a_location_outside_the_allowed_roots_fails_at_once_with_one_clear_line(airflow_db, dag, caplog):
    with caplog.at_level(logging.INFO, logger="textlake"):
        run = dag.test(run_conf={"input": "/proc/self"})
    assert run.state == "failed"
    (plan,) = [ti for ti in run.get_task_instances() if ti.task_id == "plan"]
    assert plan.state == "failed" and plan.try_number == 1  # no retry: retrying cannot mend it
    (line,) = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name == "textlake"]
    assert line.exc_info is None
    message = line.getMessage()
    assert "input '/proc/self' is refused" in message and "allowed_roots" in message
    assert "TEXTLAKE_ALLOWED_ROOTS" in message  # the tests set the roots through the environment


def test_an_audited_run_publishes_removed_and_announces_it(airflow_db, dag, seeds, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(seeds, landing)
    run = dag.test(
        run_conf={"input": str(landing), "output": str(tmp_path / "out"), "source_from": "text", "audit_removed": True}
    )
    assert run.state == "success"
    events = dict(asset_events(run.run_id))
    assert set(events) == {
        f"textlake_{n}" for n in ("documents", "segments", "comments", "mentions", "files", "quarantine", "removed")
    }
    removed_rows = query(
        tmp_path / "out", "SELECT count(*) FROM read_parquet('" + str(tmp_path / "out") + "/removed/**/*.parquet')"
    )[0][0]
    assert events["textlake_removed"]["rows"] == removed_rows > 0
    documents = events["textlake_documents"]
    assert documents["documents_kept"] == 5 and documents["lines_dropped"] == removed_rows
    assert documents["documents_dropped"] == {}

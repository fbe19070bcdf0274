"""The corpus report on a real published output: plots exist and are PNGs, numbers match the data."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from textlake.config import PipelineConfig
from textlake.pipeline import run_pipeline
from textlake.publish import open_dataset
from textlake.report import build_report, outputs_from_events
from textlake.synth import write_corpus

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """A small output published by the real pipeline: synthetic pages plus a duplicate and an empty file."""
    landing = tmp_path_factory.mktemp("landing")
    write_corpus(landing, size_mb=0.06, seed=7, sites=3, gzip_share=0)
    first = sorted(landing.rglob("*.txt"))[0]
    shutil.copy(first, landing / "copy of the first page.txt")
    (landing / "empty.txt").write_bytes(b"")
    output = tmp_path_factory.mktemp("out")
    run_pipeline(
        PipelineConfig.from_overrides({"input": str(landing), "output": str(output), "workers": 1}),
        run_id="report-test",
        progress_bar=False,
    )
    return output


@pytest.fixture(scope="module")
def report(published) -> dict:
    return build_report(str(published), now=dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC))


def test_html_references_plots_that_exist_and_are_pngs(report):
    index = Path(report["index"])
    page = index.read_text(encoding="utf-8")
    sources = re.findall(r"<img src='([^']+)'", page)
    assert len(sources) == 7
    for src in sources:
        assert "/" not in src and "://" not in src, "images must be relative, next to the page"
        png = index.parent / src
        assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 5_000, src
    assert sorted(Path(p).name for p in report["pngs"]) == sorted(sources)
    assert "2026-11-21 12:00:00 UTC" in page
    assert "report-test" in page and report["run_ids"] == ["report-test"]
    for stem in report["tables"]:
        assert f"href='{stem}.csv'" in page and f"href='{stem}.parquet'" in page


def test_latest_points_at_the_report(report, published):
    latest = published / "_reports" / "latest"
    assert latest.is_symlink() and os.readlink(latest) == "2026-11-21T120000Z"
    assert Path(report["latest"]) == latest / "index.html"
    assert (latest / "index.html").read_bytes() == Path(report["index"]).read_bytes()


def test_tables_match_the_datasets(report, published):
    folder = Path(report["report_dir"])
    documents = open_dataset(str(published), "documents").to_table(columns=["ingest_date", "source"])
    files = open_dataset(str(published), "files").to_table(columns=["status"])
    expected = {
        (r["ingest_date"], r["source"]): r["count"]
        for r in documents.group_by(["ingest_date", "source"])
        .aggregate([([], "count_all")])
        .rename_columns(["ingest_date", "source", "count"])
        .to_pylist()
    }
    for fmt in ("csv", "parquet"):
        summary = (pacsv.read_csv if fmt == "csv" else pq.read_table)(folder / f"summary_by_source_day.{fmt}")
        got = {(str(r["ingest_date"]), r["source"]): r["documents"] for r in summary.to_pylist()}
        assert got == expected, fmt
    assert report["headline"]["documents"] == documents.num_rows >= 6
    assert report["headline"]["sources"] == 3
    statuses = pq.read_table(folder / "files_by_status_day.parquet").to_pylist()
    assert {r["status"]: r["files"] for r in statuses} == report["headline"]["files_by_status"]
    assert sum(r["files"] for r in statuses) == files.num_rows
    refused = pc.sum(pc.not_equal(files["status"], "published")).as_py()
    reasons = pq.read_table(folder / "reasons.parquet").to_pylist()
    assert sum(r["count"] for r in reasons if r["dataset"] == "files") == refused == 2
    assert {(r["kind"], r["reason_code"]) for r in reasons if r["dataset"] == "files"} == {
        ("rejected", "empty"),
        ("duplicate", "duplicate_content"),
    }
    languages = pq.read_table(folder / "languages.parquet")
    assert pc.sum(languages["documents"]).as_py() == documents.num_rows


def test_boilerplate_share_is_defined_from_dropped_and_kept_lines(report, published):
    docs = open_dataset(str(published), "documents").to_table(columns=["n_dropped_lines", "n_paragraphs", "title"]).to_pylist()
    dropped = sum(d["n_dropped_lines"] for d in docs)
    kept = sum(d["n_paragraphs"] + (d["title"] is not None) for d in docs)
    assert report["headline"]["boilerplate_line_share"] == round(dropped / (dropped + kept), 4)
    assert 0 < report["headline"]["boilerplate_line_share"] < 1  # the synthetic pages carry menus and widgets


def test_near_duplicate_clusters_follow_the_column(report, published):
    clusters = pq.read_table(Path(report["report_dir"]) / "near_dup_clusters.parquet")
    docs = open_dataset(str(published), "documents").to_table(columns=["near_dup_cluster"])
    with_cluster = docs.num_rows - docs["near_dup_cluster"].null_count
    page = Path(report["index"]).read_text(encoding="utf-8")
    if with_cluster:
        assert pc.sum(clusters["size"]).as_py() == with_cluster
        assert "clusters hold more than one document" in page
    else:
        assert clusters.num_rows == 0 and "near_dup_cluster" in page


def test_a_second_report_moves_latest_and_old_ones_are_pruned(published, report):
    later = build_report(str(published), keep=1, now=dt.datetime(2026, 11, 22, 8, 30, tzinfo=dt.UTC))
    root = published / "_reports"
    assert os.readlink(root / "latest") == "2026-11-22T083000Z" == Path(later["report_dir"]).name
    assert not Path(report["report_dir"]).exists()
    assert sorted(p.name for p in root.iterdir()) == ["2026-11-22T083000Z", "latest"]


def test_an_empty_output_still_gets_a_report(tmp_path):
    result = build_report(str(tmp_path))
    assert result["headline"]["documents"] == 0 and result["headline"]["files"] == 0
    page = Path(result["index"]).read_text(encoding="utf-8")
    assert "No rows." in page and "near_dup_cluster" in page
    for png in result["pngs"]:
        assert Path(png).read_bytes()[:8] == PNG_MAGIC
    assert pq.read_table(Path(result["report_dir"]) / "summary_by_source_day.parquet").num_rows == 0


def test_report_folder_names_are_checked(tmp_path):
    for bad in ("latest", "..", ".hidden"):
        with pytest.raises(ValueError):
            build_report(str(tmp_path), report_dir=str(tmp_path / "_reports" / bad))


def test_what_was_removed_and_why_comes_from_the_runs_step_statistics(published, tmp_path):
    report = build_report(str(published), report_dir=str(tmp_path / "removals-report"))
    removals = pq.read_table(Path(report["report_dir"]) / "removals.parquet").to_pylist()
    docs = open_dataset(str(published), "documents").to_table(columns=["source", "n_dropped_lines"]).to_pylist()
    per_source = {}
    for d in docs:
        per_source[d["source"]] = per_source.get(d["source"], 0) + d["n_dropped_lines"]
    lines = {}
    for row in (r for r in removals if r["lines"]):
        lines[row["source"]] = lines.get(row["source"], 0) + row["lines"]
    assert lines == per_source  # every removed line of every published document, per source
    assert {r["reason_code"] for r in removals if r["lines"]} >= {"template_repeat"}
    assert sum(r["documents"] for r in removals) == 1  # the empty file
    page = Path(report["index"]).read_text(encoding="utf-8")
    assert "What was removed and why" in page and "removals.png" in page


def test_rows_published_before_reason_codes_are_counted_apart(published, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(published, old)
    files = next((old / "files").rglob("*.parquet"))
    table = pq.read_table(files)
    pq.write_table(table.drop_columns(["reason_code"]), files)  # a ledger file written before the column existed
    result = build_report(str(old))
    reasons = pq.read_table(Path(result["report_dir"]) / "reasons.parquet").to_pylist()
    assert {r["reason_code"] for r in reasons if r["dataset"] == "files"} == {"(no code: published before reason codes)"}


def test_outputs_come_from_every_batched_event():
    events = [
        ("file:///data/a/documents", {"location": "/data/a/documents", "run_id": "r1"}),
        ("file:///data/a/documents", {"location": "/data/b/documents", "run_id": "r2"}),
        ("file:///data/a/documents", {"location": "/data/a/documents", "run_id": "r3"}),
        ("file:///data/c/documents", {}),  # made by hand: no extra
        ("file:///data/c/documents", None),
    ]
    assert outputs_from_events(events) == ["/data/a", "/data/b", "/data/c"]
    assert outputs_from_events([]) == []

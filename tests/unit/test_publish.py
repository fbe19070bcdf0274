import datetime as dt

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from textlake import schema
from textlake.publish import Ledger, exchange, publish_run, read_ledger, settle, swap_in_day
from textlake.schema import write_parquet

NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
DAY = "2026-11-21"


def stage_run(staging, run_id, docs, folder="/in"):
    """A staged run as the shards leave it: per-source files plus the shard's ledger."""
    shard = staging / "shards" / "shard-00000"
    for dataset in schema.BODY_DATASETS:
        (shard / dataset / "source=site-a").mkdir(parents=True)
    rows = [
        {
            "doc_id": d,
            "source_uri": f"{folder}/{d}.txt",
            "content_sha256": d * 4,
            "source_name": "site-a",
            "title": d,
            "body": f"body of {d}",
            "n_chars": 9,
            "ingested_at": NOW,
            "run_id": run_id,
        }
        for d in docs
    ]
    write_parquet(
        pa.Table.from_pylist(rows, schema=schema.DOCUMENTS), shard / "documents" / "source=site-a" / f"part-{run_id}-c0.parquet"
    )
    segs = [
        {"doc_id": d, "seq": 0, "kind": "paragraph", "text": f"body of {d}", "char_start": 0, "char_end": 9, "run_id": run_id}
        for d in docs
    ]
    write_parquet(
        pa.Table.from_pylist(segs, schema=schema.SEGMENTS), shard / "segments" / "source=site-a" / f"part-{run_id}-c0.parquet"
    )
    ledger = [
        {
            "source_uri": f"{folder}/{d}.txt",
            "size_bytes": 10,
            "content_sha256": d * 4,
            "status": schema.PUBLISHED,
            "reason": None,
            "doc_id": d,
            "run_id": run_id,
            "ingested_at": NOW,
        }
        for d in docs
    ]
    write_parquet(pa.Table.from_pylist(ledger, schema=schema.FILES), shard / "files.parquet")
    write_parquet(schema.QUARANTINE.empty_table(), shard / "quarantine.parquet")


def read(output, dataset):
    return ds.dataset(output / dataset, format="parquet", partitioning="hive").to_table()


def test_publish_lays_out_hive_partitions_and_counts(tmp_path):
    stage_run(tmp_path / "stage", "run1", ["a", "b"])
    counts = publish_run(str(tmp_path / "out"), str(tmp_path / "stage"), "run1", DAY, {})
    assert counts["documents"] == {"rows": 2} and counts["files"]["published"] == 2
    assert (tmp_path / "out" / "documents" / f"ingest_date={DAY}" / "source=site-a" / "part-run1-c0.parquet").exists()
    assert read(tmp_path / "out", "documents").num_rows == 2
    assert (tmp_path / "out" / "_manifests" / "run1.json").exists()


def test_republishing_the_same_run_adds_nothing(tmp_path):
    stage_run(tmp_path / "stage", "run1", ["a", "b"])
    publish_run(str(tmp_path / "out"), str(tmp_path / "stage"), "run1", DAY, {})
    publish_run(str(tmp_path / "out"), str(tmp_path / "stage"), "run1", DAY, {})
    assert read(tmp_path / "out", "documents").num_rows == 2
    assert read(tmp_path / "out", "files").num_rows == 2


def test_second_run_adds_to_the_day_and_keeps_the_first(tmp_path):
    stage_run(tmp_path / "s1", "run1", ["a"])
    publish_run(str(tmp_path / "out"), str(tmp_path / "s1"), "run1", DAY, {})
    stage_run(tmp_path / "s2", "run2", ["b"])
    publish_run(str(tmp_path / "out"), str(tmp_path / "s2"), "run2", DAY, {})
    assert sorted(read(tmp_path / "out", "documents")["doc_id"].to_pylist()) == ["a", "b"]


def test_content_published_by_a_concurrent_run_becomes_a_duplicate(tmp_path):
    stage_run(tmp_path / "s1", "run1", ["a"])
    stage_run(tmp_path / "s2", "run2", ["a", "b"], folder="/elsewhere")
    publish_run(str(tmp_path / "out"), str(tmp_path / "s1"), "run1", DAY, {})
    counts = publish_run(str(tmp_path / "out"), str(tmp_path / "s2"), "run2", DAY, {})
    assert counts["documents"] == {"rows": 1} and counts["files"]["duplicate"] == 1
    assert sorted(read(tmp_path / "out", "documents")["doc_id"].to_pylist()) == ["a", "b"]
    ledger = read(tmp_path / "out", "files").to_pylist()
    assert sorted((r["run_id"], r["status"]) for r in ledger) == [
        ("run1", "published"),
        ("run2", "duplicate"),
        ("run2", "published"),
    ]


def test_a_file_another_run_accounted_for_gets_no_second_ledger_row(tmp_path):
    stage_run(tmp_path / "s1", "run1", ["a"])
    stage_run(tmp_path / "s2", "run2", ["a", "b"])
    publish_run(str(tmp_path / "out"), str(tmp_path / "s1"), "run1", DAY, {})
    counts = publish_run(str(tmp_path / "out"), str(tmp_path / "s2"), "run2", DAY, {})
    assert counts["documents"] == {"rows": 1} and counts["files"]["rows"] == 1
    ledger = read(tmp_path / "out", "files").to_pylist()
    assert sorted((r["source_uri"], r["run_id"]) for r in ledger) == [("/in/a.txt", "run1"), ("/in/b.txt", "run2")]


def test_validation_refusals_go_to_quarantine_with_their_text(tmp_path):
    stage_run(tmp_path / "stage", "run1", ["a", "b"])
    counts = publish_run(str(tmp_path / "out"), str(tmp_path / "stage"), "run1", DAY, {"b": "documents: expect_x on title"})
    assert read(tmp_path / "out", "documents")["doc_id"].to_pylist() == ["a"]
    assert read(tmp_path / "out", "segments")["doc_id"].to_pylist() == ["a"]
    quarantine = read(tmp_path / "out", "quarantine").to_pylist()
    assert [(q["doc_id"], q["stage"], q["text"]) for q in quarantine] == [("b", "validate", "body of b")]
    assert counts["files"]["quarantined"] == 1


def test_exchange_swaps_two_directories(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    (tmp_path / "x" / "from-x").touch()
    exchange(tmp_path / "x", tmp_path / "y")
    assert (tmp_path / "y" / "from-x").exists() and not (tmp_path / "x" / "from-x").exists()


def test_swap_keeps_live_files_as_links(tmp_path):
    live, staged = tmp_path / "live" / "ingest_date=d", tmp_path / "staged" / "ingest_date=d"
    (live / "source=a").mkdir(parents=True)
    (staged / "source=b").mkdir(parents=True)
    (live / "source=a" / "old.parquet").write_text("old")
    (staged / "source=b" / "new.parquet").write_text("new")
    swap_in_day(staged, live)
    assert (live / "source=a" / "old.parquet").read_text() == "old"
    assert (live / "source=b" / "new.parquet").read_text() == "new"
    assert not staged.exists()


def test_ledger_prefers_the_published_copy():
    files = pa.Table.from_pylist(
        [
            {
                "source_uri": "/b",
                "size_bytes": 1,
                "content_sha256": "h",
                "status": "published",
                "reason": None,
                "doc_id": "d2",
                "run_id": "r2",
                "ingested_at": NOW,
            }
        ],
        schema=schema.FILES,
    )
    settled, drop, _ = settle(files, Ledger({"h": ("published", "d1", "/a")}, set()), {})
    assert drop == {"d2": "duplicate_content"} and settled["doc_id"].to_pylist() == ["d1"]
    assert settled["reason_code"].to_pylist() == ["duplicate_content"]


def test_read_ledger_skips_the_run_itself(tmp_path):
    stage_run(tmp_path / "stage", "run1", ["a"])
    publish_run(str(tmp_path / "out"), str(tmp_path / "stage"), "run1", DAY, {})
    assert read_ledger(str(tmp_path / "out"), exclude_run="run1").by_hash == {}
    assert read_ledger(str(tmp_path / "out")).by_hash == {"aaaa": ("published", "a", "/in/a.txt")}


def test_read_ledger_materialises_only_the_hashes_asked_for(tmp_path):
    stage_run(tmp_path / "stage", "run1", ["a", "b"])
    publish_run(str(tmp_path / "out"), str(tmp_path / "stage"), "run1", DAY, {})
    ledger = read_ledger(str(tmp_path / "out"), hashes={"bbbb", "never-seen"})
    assert ledger.by_hash == {"bbbb": ("published", "b", "/in/b.txt")}
    assert ledger.seen == {("/in/b.txt", "bbbb")}
    assert ledger.runs == {"run1"}  # the runs are always all known: publishing a run twice must be seen
    assert read_ledger(str(tmp_path / "out"), hashes=set()).by_hash == {}


def test_written_files_use_the_contract_types(tmp_path):
    stage_run(tmp_path / "stage", "run1", ["a"])
    publish_run(str(tmp_path / "out"), str(tmp_path / "stage"), "run1", DAY, {})
    path = next((tmp_path / "out" / "documents").rglob("*.parquet"))
    file_schema = pq.read_schema(path)
    assert file_schema.field("ingested_at").type == pa.timestamp("us", tz="UTC")
    assert "source" not in file_schema.names and "ingest_date" not in file_schema.names
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"


@pytest.mark.parametrize("dataset", schema.DATASETS)
def test_every_dataset_declares_partitions(dataset):
    assert schema.PARTITIONS[dataset][0] == "ingest_date"

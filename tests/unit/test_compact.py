import pyarrow.dataset as ds
import pytest

from tests.unit.test_publish import DAY, stage_run
from textlake.compact import RunInFlight, compact
from textlake.publish import publish_run


def rows(output, dataset):
    table = ds.dataset(output / dataset, format="parquet", partitioning="hive").to_table()
    return sorted(map(str, table.to_pylist()))


@pytest.fixture
def many_runs(tmp_path):
    out = tmp_path / "out"
    for n in range(10):
        stage_run(tmp_path / f"s{n}", f"run{n}", [f"d{n}a", f"d{n}b"])
        publish_run(str(out), str(tmp_path / f"s{n}"), f"run{n}", DAY, {})
    return tmp_path, out


def test_compaction_keeps_every_row_in_fewer_files(many_runs):
    _, out = many_runs
    before = {name: rows(out, name) for name in ("documents", "segments", "files")}
    assert len(list((out / "documents").rglob("*.parquet"))) == 10
    counts = compact(str(out))
    assert counts["files_before"] == 30 and counts["files_after"] == 3  # documents, segments and the ledger
    assert {name: rows(out, name) for name in before} == before
    assert len(list((out / "documents").rglob("*.parquet"))) == 1
    assert compact(str(out)) == {"files_before": 0, "files_after": 0}  # nothing crowded any more


def test_compaction_waits_for_staged_runs(many_runs):
    tmp_path, out = many_runs
    (out / "_staging" / "run-in-flight").mkdir(parents=True)
    with pytest.raises(RunInFlight, match="run-in-flight"):
        compact(str(out))


def test_a_retried_publish_after_compaction_adds_nothing(many_runs):
    tmp_path, out = many_runs
    before = rows(out, "documents")
    compact(str(out))
    publish_run(str(out), str(tmp_path / "s3"), "run3", DAY, {})  # a late retry of a published run
    assert rows(out, "documents") == before


def test_compacted_files_have_few_large_row_groups(many_runs):
    import pyarrow.parquet as pq

    _, out = many_runs
    compact(str(out))
    (path,) = (out / "documents").rglob("*.parquet")
    assert pq.ParquetFile(path).metadata.num_row_groups == 1
    assert pq.ParquetFile(path).metadata.num_rows == 20

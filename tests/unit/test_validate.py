import datetime as dt

import pyarrow as pa
import pytest

from textlake import schema, validate
from textlake.schema import write_parquet
from textlake.validate import ValidationFailed, raise_on_batch_failure, staged_frames, validate_staged

NOW = dt.datetime(2026, 11, 21, tzinfo=dt.UTC)


def stage(tmp_path, docs, segments):
    folder = tmp_path / "stage" / "shards" / "shard-00000"
    for dataset, rows in (("documents", docs), ("segments", segments)):
        (folder / dataset / "source=a").mkdir(parents=True)
        write_parquet(
            pa.Table.from_pylist(rows, schema=schema.DATASETS[dataset]), folder / dataset / "source=a" / "part-r-c0.parquet"
        )
    return str(tmp_path / "stage")


def doc(doc_id, **overrides):
    return {
        "doc_id": doc_id,
        "source_name": "a",
        "title": "A title",
        "published_date": dt.date(2020, 1, 1),
        "language": "en",
        "body": "Body.",
        "n_paragraphs": 1,
        "n_sentences": 1,
        "n_comments": 0,
        "n_chars": 5,
        "n_dropped_lines": 0,
        "ingested_at": NOW,
        "run_id": "r",
        **overrides,
    }


def segment(doc_id, start=0, end=5):
    return {"doc_id": doc_id, "seq": 0, "kind": "paragraph", "text": "Body.", "char_start": start, "char_end": end, "run_id": "r"}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("v")
    docs = [
        doc("good"),
        doc("long-title", title="x" * 401),
        doc("no-sentences", n_sentences=0),
        doc("ancient", published_date=dt.date(1970, 1, 1)),
    ]
    return validate_staged(
        stage(tmp_path, docs, [segment(d["doc_id"]) for d in docs]), str(tmp_path / "out"), "test-run"
    ), tmp_path


def test_row_failures_name_documents_and_expectations(report):
    result, _ = report
    assert set(result.quarantined) == {"long-title", "no-sentences", "ancient"}
    assert result.quarantined["long-title"] == "documents: expect_column_values_to_be_between on title_chars"
    assert result.batch_failures == []
    assert result.checked_rows == {"documents": 4, "segments": 4, "comments": 0, "mentions": 0, "removed": 0}


def test_data_docs_are_built_beside_the_data(report):
    result, tmp_path = report
    assert result.data_docs.startswith(str(tmp_path / "out" / "_quality"))
    assert (tmp_path / "out" / "_quality" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").exists()


def test_batch_failures_stop_the_publish_and_point_to_the_docs(tmp_path):
    docs = [doc("same"), doc("same")]
    result = validate_staged(stage(tmp_path, docs, [segment("same", 5, 2)]), str(tmp_path / "out"), "test-run")
    assert any("expect_column_values_to_be_unique on doc_id" in f for f in result.batch_failures)
    assert any("expect_column_pair_values_a_to_be_greater_than_b on char_end" in f for f in result.batch_failures)
    with pytest.raises(ValidationFailed, match="nothing was published.*Data Docs: file://"):
        raise_on_batch_failure(result)


def test_large_runs_are_validated_in_bounded_batches(tmp_path, monkeypatch):
    docs = [doc(f"d{n}") for n in range(5)] + [doc("long-title", title="x" * 401), doc("d0")]
    staging = stage(tmp_path, docs, [segment(d["doc_id"]) for d in docs])
    assert [len(f) for f in staged_frames(staging, "segments", 3)] == [7]  # whole record batches, never split
    monkeypatch.setattr(validate, "BATCH_ROWS", 2)
    monkeypatch.setattr(validate, "SCAN_ROWS", 1)
    assert [len(f) for f in staged_frames(staging, "segments", 2)] == [2, 2, 2, 1]
    result = validate_staged(staging, str(tmp_path / "out"), "test-run")
    assert result.checked_rows["documents"] == 7 and result.checked_rows["segments"] == 7
    assert result.quarantined == {"long-title": "documents: expect_column_values_to_be_between on title_chars"}
    # The two "d0" rows fall in different batches: the run-wide check still sees them.
    assert "documents: doc_id unique across batches (unexpected 1)" in result.batch_failures

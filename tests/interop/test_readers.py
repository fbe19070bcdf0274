"""Every dataset reads the same in pyarrow, pandas, DuckDB and Polars, with and without
the partition-type snippets of the README ("Reading the data"), and the files follow the
writer settings ("Writer settings"). Datasets are taken from the output folder, so a
new one (e.g. `mentions`) or a new column (e.g. `near_dup_cluster`) is covered as it appears.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import math
from collections import defaultdict
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from textlake import schema
from textlake.enrich import source_slug

from .conftest import ARABIC_TITLE, CJK_SENTENCE, COMBINING, FAMILY, HAND_SOURCES, RUN_IDS, Published, nfc

pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")

PINNED = (False, True)
READERS = ("pyarrow", "pandas", "duckdb", "polars")


# --- the reader snippets (README, "Reading the data"); `pinned` adds the partition types -------------------------


def read_pyarrow(root: Path, keys: tuple[str, ...], pinned: bool) -> pa.Table:
    if pinned:
        types = {"ingest_date": pa.date32(), "source": pa.string()}
        part = ds.partitioning(pa.schema([(k, types.get(k, pa.string())) for k in keys]), flavor="hive")
    else:
        part = "hive"
    return ds.dataset(root, format="parquet", partitioning=part).to_table()


def read_pandas(root: Path, keys: tuple[str, ...], pinned: bool) -> pd.DataFrame:
    if not pinned:
        return pd.read_parquet(root)
    part = ds.partitioning(pa.schema([(k, pa.string()) for k in keys]), flavor="hive")
    return pd.read_parquet(root, partitioning=part)


def duckdb_source(root: Path, keys: tuple[str, ...], pinned: bool) -> str:
    if not pinned:
        return f"read_parquet('{root}/**/*.parquet', hive_partitioning=true)"
    types = ", ".join(f"'{k}': {'DATE' if k == 'ingest_date' else 'VARCHAR'}" for k in keys)
    return f"read_parquet('{root}/**/*.parquet', hive_partitioning=true, hive_types={{{types}}}, union_by_name=true)"


def read_duckdb(root: Path, keys: tuple[str, ...], pinned: bool) -> tuple[list[str], list[str], list[tuple]]:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rel = con.sql(f"SELECT * FROM {duckdb_source(root, keys, pinned)}")
    columns, types, rows = rel.columns, [str(t) for t in rel.types], rel.fetchall()
    con.close()
    return columns, types, rows


def read_polars(root: Path, keys: tuple[str, ...], pinned: bool) -> pl.DataFrame:
    if not pinned:
        return pl.scan_parquet(f"{root}/**/*.parquet", hive_partitioning=True).collect()
    hive = {k: (pl.Date if k == "ingest_date" else pl.String) for k in keys}
    return pl.scan_parquet(f"{root}/**/*.parquet", hive_partitioning=True, hive_schema=hive).collect()


# --- one canonical form for every reader's values ----------------------------------------------------------------


def canon(value):
    """A reader-independent form: timestamps as UTC ISO strings (tz required), dates as ISO, integral floats as ints."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating, decimal.Decimal)):
        if math.isnan(value):
            return None
        return int(value) if float(value).is_integer() else float(value)
    if isinstance(value, dt.datetime):  # pd.Timestamp is one too
        assert value.tzinfo is not None, f"timestamp without time zone: {value!r}"
        return "ts:" + value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        raise AssertionError(f"naive numpy datetime: {value!r}")
    return value


class Read:
    """What one reader returned for one dataset: column names, type names, canonical rows."""

    def __init__(self, columns: list[str], types: dict[str, str], rows: list[tuple]):
        self.columns = list(columns)
        self.types = types
        self.rows = [tuple(canon(v) for v in row) for row in rows]

    def records(self) -> list[dict]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def sorted_rows(self, order: list[str]) -> list[tuple]:
        index = [self.columns.index(c) for c in order]
        rows = [tuple(row[i] for i in index) for row in self.rows]
        return sorted(rows, key=lambda r: json.dumps(r, default=str))


def read(reader: str, root: Path, keys: tuple[str, ...], pinned: bool) -> Read:
    if reader == "pyarrow":
        table = read_pyarrow(root, keys, pinned)
        return Read(
            table.column_names, {f.name: str(f.type) for f in table.schema}, [tuple(r.values()) for r in table.to_pylist()]
        )
    if reader == "pandas":
        df = read_pandas(root, keys, pinned)
        assert list(df.index) == list(range(len(df))), "pandas should return a plain RangeIndex"
        rows = [tuple(df[c].iloc[i] for c in df.columns) for i in range(len(df))]
        return Read(list(df.columns), {c: str(t) for c, t in df.dtypes.items()}, rows)
    if reader == "duckdb":
        columns, types, rows = read_duckdb(root, keys, pinned)
        return Read(columns, dict(zip(columns, types, strict=True)), rows)
    if reader == "polars":
        df = read_polars(root, keys, pinned)
        return Read(df.columns, {c: str(t) for c, t in df.schema.items()}, df.rows())
    raise ValueError(reader)


@pytest.fixture(scope="module")
def reads(published: Published) -> dict[tuple[str, str, bool], Read]:
    return {
        (dataset, reader, pinned): read(reader, published.path(dataset), published.partitions(dataset), pinned)
        for dataset in published.datasets
        for reader in READERS
        for pinned in PINNED
    }


# --- the output itself ---------------------------------------------------------------------------------------------


def test_fixture_published_two_runs_in_one_day(published: Published):
    assert {"documents", "segments", "comments", "files", "quarantine"} <= set(published.datasets)
    files = published.arrow("files")
    assert set(files["run_id"].to_pylist()) == set(RUN_IDS)
    assert set(files["ingest_date"].to_pylist()) == {published.ingest_date}
    statuses = set(files["status"].to_pylist())
    assert {"published", "rejected", "quarantined"} <= statuses, statuses
    docs = published.arrow("documents")
    # a source written by both runs: one leaf directory, files of both runs
    leaf = published.path("documents") / f"ingest_date={published.ingest_date}" / "source=syria-direct"
    assert {p.name.split("-")[1] + "-" + p.name.split("-")[2] for p in leaf.glob("*.parquet")} == set(RUN_IDS)
    assert set(docs["run_id"].to_pylist()) == set(RUN_IDS)


def test_source_names_and_slugs(published: Published):
    docs = published.arrow("documents").to_pylist()
    names = {d["source_name"] for d in docs}
    for name, slug in HAND_SOURCES.items():
        assert name in names, f"{name!r} missing from source_name ({sorted(names)})"
        expected = slug or source_slug(name)
        assert {d["source"] for d in docs if d["source_name"] == name} == {expected}
    assert source_slug("عنب بلدي").startswith("src-")
    for d in docs:
        assert d["source"] == source_slug(d["source_name"])
    for dataset in published.datasets:
        if "source" in published.partitions(dataset):
            dirs = {p.name.split("=", 1)[1] for p in published.path(dataset).glob("ingest_date=*/source=*")}
            assert all(s[0].isascii() and s.replace("-", "").isalnum() and s == s.lower() for s in dirs), dirs


def test_unicode_survives_the_pipeline(published: Published):
    """The reference read holds the hand-written text as written (after NFC, which decode applies)."""
    docs = {Path(d["source_uri"]).name: d for d in published.arrow("documents").to_pylist()}
    assert docs["daraa-school.txt"]["title"] == nfc(ARABIC_TITLE)
    assert FAMILY in docs["daraa-school.txt"]["body"]
    assert FAMILY in docs["bread.txt"]["body"]
    assert "🍞" in docs["bread.txt"]["title"]
    assert CJK_SENTENCE in docs["fest.txt"]["body"] and CJK_SENTENCE in docs["tokyo.txt"]["body"]
    assert "「新しい生活」" in docs["tokyo.txt"]["title"]
    assert COMBINING in docs["fest.txt"]["body"]
    comments = [c["text"] for c in published.arrow("comments").to_pylist()]
    assert any(FAMILY in c for c in comments)
    assert any("정말 좋은 축제였어요 👍" in c for c in comments)
    assert any("👍🏽" in c for c in comments)


# --- every reader agrees -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pinned", PINNED, ids=["as-is", "pinned"])
def test_row_counts_and_columns_agree(published: Published, reads, pinned: bool):
    for dataset in published.datasets:
        keys = published.partitions(dataset)
        expected_columns = set(pq.read_schema(next(published.path(dataset).rglob("*.parquet"))).names) | set(keys)
        reference = reads[(dataset, "pyarrow", pinned)]
        assert len(reference.rows) == published.arrow(dataset).num_rows > 0
        for reader in READERS:
            got = reads[(dataset, reader, pinned)]
            assert len(got.rows) == len(reference.rows), (dataset, reader)
            assert set(got.columns) == expected_columns, (dataset, reader, set(got.columns) ^ expected_columns)
            assert len(got.columns) == len(set(got.columns)), (dataset, reader, "duplicate columns")
            assert "__index_level_0__" not in got.columns


@pytest.mark.parametrize("pinned", PINNED, ids=["as-is", "pinned"])
def test_values_agree(published: Published, reads, pinned: bool):
    """Every value of every row, partition columns included, in one canonical form."""
    for dataset in published.datasets:
        reference = reads[(dataset, "pyarrow", pinned)]
        order = sorted(reference.columns)
        expected = reference.sorted_rows(order)
        for reader in READERS[1:]:
            got = reads[(dataset, reader, pinned)].sorted_rows(order)
            if got != expected:
                diff = [(a, b) for a, b in zip(expected, got, strict=False) if a != b][:2]
                pytest.fail(f"{dataset}: {reader} differs from pyarrow, first rows: {diff}")


def content_hashes(got: Read) -> dict[str, str]:
    """Per doc_id, a SHA-256 over the UTF-8 bytes of every text column of every row."""
    text_columns = [c for c in got.columns if c not in ("ingest_date", "source")]
    per_doc: dict[str, list[str]] = defaultdict(list)
    for record in got.records():
        texts = [record[c] for c in text_columns if isinstance(record[c], str)]
        per_doc[record["doc_id"]].append("\x1f".join(texts))
    return {doc: hashlib.sha256("\x1e".join(sorted(parts)).encode("utf-8")).hexdigest() for doc, parts in per_doc.items()}


def test_text_content_hash_per_doc_id(published: Published, reads):
    for dataset in published.datasets:
        if "doc_id" not in reads[(dataset, "pyarrow", True)].columns:
            continue
        reference = content_hashes(reads[(dataset, "pyarrow", True)])
        assert reference
        for reader in READERS:
            for pinned in PINNED:
                assert content_hashes(reads[(dataset, reader, pinned)]) == reference, (dataset, reader, pinned)


@pytest.mark.parametrize("reader", READERS)
def test_non_latin_text_is_byte_identical(published: Published, reads, reader: str):
    records = {Path(r["source_uri"]).name: r for r in reads[("documents", reader, True)].records()}
    assert records["daraa-school.txt"]["title"].encode() == nfc(ARABIC_TITLE).encode()
    for name, needle in (
        ("daraa-school.txt", FAMILY),
        ("bread.txt", FAMILY),
        ("fest.txt", CJK_SENTENCE),
        ("fest.txt", COMBINING),
        ("tokyo.txt", CJK_SENTENCE),
    ):
        assert needle.encode() in records[name]["body"].encode(), (reader, name)
    reference = {Path(r["source_uri"]).name: r for r in published.arrow("documents").to_pylist()}
    for name in ("daraa-school.txt", "bread.txt", "fest.txt", "tokyo.txt", "school.txt"):
        for column in ("title", "body", "source_name"):
            assert records[name][column].encode() == reference[name][column].encode(), (reader, name, column)
        assert records[name]["n_chars"] == len(records[name]["body"])


@pytest.mark.parametrize("reader", READERS)
def test_null_dates_stay_null(published: Published, reads, reader: str):
    for pinned in PINNED:
        records = {Path(r["source_uri"]).name: r for r in reads[("documents", reader, pinned)].records()}
        assert records["water-prices.txt"]["published_date"] is None
        assert records["school.txt"]["published_date"] is None
        assert records["bakery.txt"]["published_date"] == "2025-06-12"
        assert records["daraa-school.txt"]["published_date"] == "2026-03-03"
        assert records["fest.txt"]["published_date"] == "2026-05-04"
        assert records["bread.txt"]["published_date"] == "2026-02-12"
        nulls = sum(r["published_date"] is None for r in records.values())
        assert nulls == sum(r["published_date"] is None for r in published.arrow("documents").to_pylist())


@pytest.mark.parametrize("reader", READERS)
def test_partition_values_are_the_slugs(published: Published, reads, reader: str):
    for dataset in published.datasets:
        for pinned in PINNED:
            got = reads[(dataset, reader, pinned)]
            for record in got.records():
                assert record["ingest_date"] == published.ingest_date
                if "source_name" in got.columns:
                    assert record["source"] == source_slug(record["source_name"])
            if "source" in got.columns:
                on_disk = {
                    p.name.split("=", 1)[1]
                    for p in published.path(dataset).glob("ingest_date=*/source=*")
                    if any(p.glob("*.parquet"))
                }
                assert {r["source"] for r in got.records()} == on_disk


# --- types per reader, as the README documents them ----------------------------------------------------------------


def _arrow_columns(dataset: str, published: Published) -> dict[str, pa.DataType]:
    return {f.name: f.type for f in pq.read_schema(next(published.path(dataset).rglob("*.parquet")))}


@pytest.mark.parametrize("pinned", PINNED, ids=["as-is", "pinned"])
def test_types_pyarrow(published: Published, reads, pinned: bool):
    for dataset in published.datasets:
        got = reads[(dataset, "pyarrow", pinned)].types
        for name, arrow_type in _arrow_columns(dataset, published).items():
            assert got[name] == str(arrow_type), (dataset, name)
        if "ingested_at" in got:
            assert got["ingested_at"] == "timestamp[us, tz=UTC]"
        assert got["ingest_date"] == ("date32[day]" if pinned else "string")
        if "source" in got:
            assert got["source"] == "string"
    assert reads[("documents", "pyarrow", True)].types["published_date"] == "date32[day]"


@pytest.mark.parametrize("pinned", PINNED, ids=["as-is", "pinned"])
def test_types_pandas(published: Published, reads, pinned: bool):
    for dataset in published.datasets:
        got = reads[(dataset, "pandas", pinned)]
        for name, arrow_type in _arrow_columns(dataset, published).items():
            if pa.types.is_timestamp(arrow_type):
                assert got.types[name] == "datetime64[us, UTC]", (dataset, name)
            elif pa.types.is_integer(arrow_type):
                # ints stay ints; a nullable int column holding nulls becomes float64 (NaN), the pandas default
                has_null = any(r[got.columns.index(name)] is None for r in got.rows)
                assert got.types[name] == ("float64" if has_null else str(arrow_type)), (dataset, name)
            elif pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
                assert got.types[name] == "str", (dataset, name)
        for key in published.partitions(dataset):
            assert got.types[key] == ("str" if pinned else "category"), (dataset, key)
    docs = reads[("documents", "pandas", True)]
    dates = [r["published_date"] for r in docs.records() if r["published_date"] is not None]
    assert docs.types["published_date"] == "object" and dates


def test_pandas_nullable_ints(published: Published):
    """The README's advice for segments: `dtype_backend="numpy_nullable"` keeps nullable ints as Int32/Int64."""
    part = ds.partitioning(pa.schema([("ingest_date", pa.string()), ("source", pa.string())]), flavor="hive")
    segs = pd.read_parquet(published.path("segments"), partitioning=part, dtype_backend="numpy_nullable")
    assert str(segs["paragraph_seq"].dtype) == "Int32" and str(segs["char_start"].dtype) == "Int64"
    assert segs["char_start"].isna().any() and segs["seq"].dtype.name == "Int32"
    assert str(segs["text"].dtype).startswith("string")


@pytest.mark.parametrize("pinned", PINNED, ids=["as-is", "pinned"])
def test_types_duckdb(published: Published, reads, pinned: bool):
    duck = {
        pa.int32(): "INTEGER",
        pa.int64(): "BIGINT",
        pa.string(): "VARCHAR",
        pa.large_string(): "VARCHAR",
        pa.date32(): "DATE",
        pa.timestamp("us", "UTC"): "TIMESTAMP WITH TIME ZONE",
        pa.binary(): "BLOB",
    }
    for dataset in published.datasets:
        got = reads[(dataset, "duckdb", pinned)].types
        for name, arrow_type in _arrow_columns(dataset, published).items():
            assert got[name] == duck[arrow_type], (dataset, name, got[name])
        assert got["ingest_date"] == "DATE"
        if "source" in got:
            assert got["source"] == "VARCHAR"


@pytest.mark.parametrize("pinned", PINNED, ids=["as-is", "pinned"])
def test_types_polars(published: Published, reads, pinned: bool):
    polars = {
        pa.int32(): "Int32",
        pa.int64(): "Int64",
        pa.string(): "String",
        pa.large_string(): "String",
        pa.date32(): "Date",
        pa.timestamp("us", "UTC"): "Datetime(time_unit='us', time_zone='UTC')",
        pa.binary(): "Binary",
    }
    for dataset in published.datasets:
        got = reads[(dataset, "polars", pinned)].types
        for name, arrow_type in _arrow_columns(dataset, published).items():
            assert got[name] == polars[arrow_type], (dataset, name, got[name])
        assert got["ingest_date"] == "Date"
        if "source" in got:
            assert got["source"] == "String"


# --- the files themselves ------------------------------------------------------------------------------------------


def test_files_follow_the_writer_settings(published: Published):
    for dataset in published.datasets:
        keys = published.partitions(dataset)
        paths = sorted(published.path(dataset).rglob("*.parquet"))
        assert paths
        for path in paths:
            relative = path.relative_to(published.path(dataset))
            assert [p.split("=", 1)[0] for p in relative.parts[:-1]] == list(keys), relative
            assert relative.name.startswith("part-") and any(f"part-{r}-" in relative.name for r in RUN_IDS)
            meta = pq.ParquetFile(path).metadata
            arrow_schema = pq.read_schema(path)
            names = arrow_schema.names
            assert "__index_level_0__" not in names and not set(keys) & set(names), (path, names)
            assert b"pandas" not in (arrow_schema.metadata or {}), path
            if dataset in schema.DATASETS:
                assert arrow_schema.remove_metadata().equals(schema.DATASETS[dataset]), (path, arrow_schema)
            for rg in range(meta.num_row_groups):
                assert meta.row_group(rg).num_rows <= 131_072
                for col in range(meta.num_columns):
                    chunk = meta.row_group(rg).column(col)
                    assert chunk.compression == "ZSTD", (path, chunk.path_in_schema, chunk.compression)
                    logical = json.loads(meta.schema.column(col).logical_type.to_json())
                    if logical.get("Type") == "Timestamp":
                        assert logical["timeUnit"] == "microseconds" and logical["isAdjustedToUTC"], (path, logical)
                    if chunk.path_in_schema in ("doc_id", "ingested_at"):
                        stats = chunk.statistics
                        assert stats is not None and stats.has_null_count, (path, chunk.path_in_schema)
                        if stats.null_count < meta.row_group(rg).num_rows:
                            assert stats.has_min_max, (path, chunk.path_in_schema)


# --- the README's example queries, run against the fixture output ---------------------------------------------------
# Keep these strings identical to the README ("Example queries"); test_readme_shows_these_queries checks it.

DUCKDB_VIEWS = """
import duckdb, pathlib
con = duckdb.connect()
for name in ("documents", "segments", "comments", "mentions", "files", "quarantine"):
    if not pathlib.Path(ROOT, name).is_dir():
        continue  # a dataset this output has no rows for yet
    types = "{'ingest_date': DATE}" if name in ("files", "quarantine") else "{'ingest_date': DATE, 'source': VARCHAR}"
    con.sql(f\"\"\"CREATE VIEW {name} AS SELECT * FROM read_parquet('{ROOT}/{name}/**/*.parquet',
                hive_partitioning=true, hive_types={types}, union_by_name=true)\"\"\")
"""

QUERIES = {
    "documents per source per day": """
SELECT ingest_date, source, source_name, count(*) AS documents
FROM documents
GROUP BY ingest_date, source, source_name
ORDER BY ingest_date, documents DESC, source""",
    "top commenters per source": """
SELECT source, author, count(*) AS comments, count(DISTINCT doc_id) AS articles
FROM comments
WHERE author IS NOT NULL
GROUP BY source, author
QUALIFY row_number() OVER (PARTITION BY source ORDER BY count(*) DESC, author) <= 3
ORDER BY source, comments DESC, author""",
    "share of documents with a stated date": """
SELECT source, count(*) AS documents, count(published_date) AS dated,
       round(count(published_date) / count(*), 3) AS share_dated,
       min(published_date) AS earliest, max(published_date) AS latest
FROM documents
GROUP BY source
ORDER BY source""",
    "language mix per source": """
SELECT source, language, count(*) AS documents,
       round(count(*) / sum(count(*)) OVER (PARTITION BY source), 3) AS share
FROM documents
GROUP BY source, language
ORDER BY source, documents DESC, language""",
    "sentences mentioning a keyword": """
SELECT s.doc_id, d.source, d.title, s.paragraph_seq, s.char_start, s.char_end, s.text AS sentence,
       substring(d.body, s.char_start + 1, s.char_end - s.char_start) = s.text AS offsets_match_body
FROM segments AS s JOIN documents AS d USING (doc_id)
WHERE s.kind = 'sentence' AND (s.text ILIKE '%school%' OR s.text LIKE '%المدارس%')
ORDER BY d.source, s.doc_id, s.char_start""",
}

PANDAS_LOAD = """
import pandas as pd, pyarrow as pa, pyarrow.dataset as ds
part = ds.partitioning(pa.schema([("ingest_date", pa.string()), ("source", pa.string())]), flavor="hive")
docs = pd.read_parquet(f"{ROOT}/documents", partitioning=part)
comments = pd.read_parquet(f"{ROOT}/comments", partitioning=part)
sentences = pd.read_parquet(f"{ROOT}/segments", partitioning=part, dtype_backend="numpy_nullable",
                            filters=[("kind", "==", "sentence")])
"""

PANDAS_QUERIES = {
    "documents per source per day": """
per_day = (docs.groupby(["ingest_date", "source", "source_name"]).size().rename("documents").reset_index()
           .sort_values(["ingest_date", "documents", "source"], ascending=[True, False, True]))""",
    "top commenters per source": """
top = (comments.dropna(subset=["author"])
       .groupby(["source", "author"]).agg(comments=("doc_id", "size"), articles=("doc_id", "nunique")).reset_index()
       .sort_values(["source", "comments", "author"], ascending=[True, False, True])
       .groupby("source").head(3))""",
    "share of documents with a stated date": """
dated = (docs.assign(dated=docs["published_date"].notna())
         .groupby("source").agg(documents=("doc_id", "size"), dated=("dated", "sum"), share_dated=("dated", "mean"),
                                earliest=("published_date", "min"), latest=("published_date", "max"))
         .round({"share_dated": 3}).reset_index())""",
    "language mix per source": """
mix = docs.groupby(["source", "language"]).size().rename("documents").reset_index()
mix["share"] = (mix["documents"] / mix.groupby("source")["documents"].transform("sum")).round(3)
mix = mix.sort_values(["source", "documents", "language"], ascending=[True, False, True])""",
    "sentences mentioning a keyword": """
hits = sentences[sentences["text"].str.contains("school", case=False) | sentences["text"].str.contains("المدارس")]
hits = hits.merge(docs[["doc_id", "title", "body"]], on="doc_id")
hits["offsets_match_body"] = [body[start:end] == text for body, start, end, text
                              in zip(hits["body"], hits["char_start"], hits["char_end"], hits["text"])]""",
}
PANDAS_RESULT = {
    "documents per source per day": "per_day",
    "top commenters per source": "top",
    "share of documents with a stated date": "dated",
    "language mix per source": "mix",
    "sentences mentioning a keyword": "hits",
}


@pytest.fixture(scope="module")
def duck(published: Published):
    env = {"ROOT": str(published.root)}
    exec(DUCKDB_VIEWS, env)
    yield env["con"]
    env["con"].close()


@pytest.fixture(scope="module")
def pandas_env(published: Published) -> dict:
    env = {"ROOT": str(published.root)}
    exec(PANDAS_LOAD, env)
    return env


def _rows(records: list[dict], columns: list[str]) -> list[tuple]:
    return [tuple(canon(r[c]) for c in columns) for r in records]


@pytest.mark.parametrize("name", list(QUERIES))
def test_example_query(published: Published, duck, pandas_env, name: str):
    rel = duck.sql(QUERIES[name])
    columns = rel.columns
    duck_rows = [tuple(canon(v) for v in row) for row in rel.fetchall()]
    assert duck_rows, name
    env = dict(pandas_env)
    exec(PANDAS_QUERIES[name], env)
    frame = env[PANDAS_RESULT[name]]
    pandas_columns = [c for c in columns if c not in ("sentence",)] if name.startswith("sentences") else columns
    pandas_rows = _rows(frame.to_dict("records"), pandas_columns) if not name.startswith("sentences") else None
    docs = published.arrow("documents").to_pylist()
    if name == "documents per source per day":
        assert pandas_rows == duck_rows
        assert sum(r[columns.index("documents")] for r in duck_rows) == len(docs)
        assert ("syria-direct", "Syria Direct", 4) in {r[1:] for r in duck_rows}
    elif name == "top commenters per source":
        assert pandas_rows == duck_rows
        per_source = defaultdict(int)
        for r in duck_rows:
            per_source[r[0]] += 1
        assert max(per_source.values()) <= 3
        assert (source_slug("عنب بلدي"), "أبو محمد", 1, 1) in duck_rows
    elif name == "share of documents with a stated date":
        assert pandas_rows == duck_rows
        by_source = {r[0]: r for r in duck_rows}
        assert by_source["syria-direct"][1:4] == (4, 3, 0.75)
        assert by_source[source_slug("عنب بلدي")][1:4] == (3, 2, 0.667)
        assert by_source["sudfront"][1:4] == (3, 3, 1)
    elif name == "language mix per source":
        assert pandas_rows == duck_rows
        shares = defaultdict(float)
        for r in duck_rows:
            shares[r[0]] += r[3]
        assert all(abs(s - 1) < 0.01 for s in shares.values())
        assert (source_slug("عنب بلدي"), "ar", 3, 1) in duck_rows and ("sudfront", "de", 3, 1) in duck_rows
    elif name == "sentences mentioning a keyword":
        records = [dict(zip(columns, r, strict=True)) for r in duck_rows]
        assert all(r["offsets_match_body"] for r in records)
        assert all(frame["offsets_match_body"])
        key = ["doc_id", "char_start", "char_end"]
        assert sorted(_rows(frame.to_dict("records"), key + ["text"])) == sorted(
            tuple(r[c] for c in key + ["sentence"]) for r in records
        )
        assert any("المدارس" in r["sentence"] for r in records) and any("school" in r["sentence"] for r in records)
        assert {r["source"] for r in records} >= {"syria-direct", source_slug("عنب بلدي")}


def test_readme_shows_these_queries():
    """Once the README carries the example queries, they must be the ones tested here."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    if "### Example queries" not in readme:
        pytest.skip("README.md has no 'Example queries' section yet")
    flat = " ".join(readme.split())
    for text in [*QUERIES.values(), *PANDAS_QUERIES.values(), READING_SNIPPET, DUCKDB_VIEWS, PANDAS_LOAD]:
        assert " ".join(text.split()) in flat, text[:80]


# --- after maintenance: a compacted copy of the output reads the same ----------------------------------------------


@pytest.fixture(scope="module")
def compacted(published: Published, tmp_path_factory) -> Published:
    """A copy of the output after `textlake compact` (every leaf holds files of both runs: min_files=2)."""
    import shutil

    from textlake.compact import compact

    root = tmp_path_factory.mktemp("compacted") / "out"
    shutil.copytree(published.root, root, ignore=shutil.ignore_patterns("_staging"))
    result = compact(str(root), min_files=2)
    assert result["files_after"] < result["files_before"]
    return Published(root, published.datasets, published.summaries, published.ingest_date)


@pytest.mark.parametrize("reader", READERS)
def test_compacted_output_reads_the_same(published: Published, compacted: Published, reader: str):
    for dataset in published.datasets:
        keys = published.partitions(dataset)
        before = read(reader, published.path(dataset), keys, True)
        after = read(reader, compacted.path(dataset), keys, True)
        order = sorted(before.columns)
        assert after.sorted_rows(order) == before.sorted_rows(order), (dataset, reader)
        for path in compacted.path(dataset).rglob("*.parquet"):
            meta = pq.ParquetFile(path).metadata
            assert pq.read_schema(path).remove_metadata().equals(schema.DATASETS[dataset]), path
            assert {meta.row_group(0).column(c).compression for c in range(meta.num_columns)} == {"ZSTD"}


def test_compaction_coalesces_row_groups(compacted: Published):
    for dataset in compacted.datasets:
        for path in compacted.path(dataset).rglob("*.parquet"):
            meta = pq.ParquetFile(path).metadata
            assert meta.num_row_groups == max(1, math.ceil(meta.num_rows / 131_072)), (path, meta.num_row_groups)


# --- the README's reader snippets, verbatim --------------------------------------------------------------------------

READING_SNIPPET = '''
# pyarrow: the dataset API; filters on partition columns skip whole folders
import pyarrow as pa, pyarrow.dataset as ds
docs = ds.dataset(f"{ROOT}/documents", format="parquet", partitioning=ds.partitioning(
    pa.schema([("ingest_date", pa.date32()), ("source", pa.string())]), flavor="hive"))
table = docs.to_table(filter=ds.field("source") == "syria-direct", columns=["doc_id", "title", "published_date"])

# pandas: partition columns as plain strings (not category); nullable ints stay ints with numpy_nullable
import pandas as pd
part = ds.partitioning(pa.schema([("ingest_date", pa.string()), ("source", pa.string())]), flavor="hive")
docs_pd = pd.read_parquet(f"{ROOT}/documents", partitioning=part)
segments_pd = pd.read_parquet(f"{ROOT}/segments", partitioning=part, dtype_backend="numpy_nullable",
                              filters=[("source", "==", "syria-direct")])

# DuckDB: a glob, hive_types for the dataset's own partition keys, union_by_name for files of older schemas
import duckdb
per_source = duckdb.sql(f"""SELECT source, count(*) FROM read_parquet('{ROOT}/documents/**/*.parquet',
    hive_partitioning=true, hive_types={{'ingest_date': DATE, 'source': VARCHAR}}, union_by_name=true)
    GROUP BY 1""").fetchall()

# Polars: scan a glob, not the bare folder
import polars as pl
docs_pl = pl.scan_parquet(f"{ROOT}/documents/**/*.parquet", hive_partitioning=True,
                          hive_schema={"ingest_date": pl.Date, "source": pl.String}).collect()
'''


def test_reading_snippet_runs(published: Published):
    env = {"ROOT": str(published.root)}
    exec(READING_SNIPPET, env)
    total = published.arrow("documents").num_rows
    assert env["table"].num_rows == 4 and env["table"].schema.field("published_date").type == pa.date32()
    assert len(env["docs_pd"]) == total and str(env["docs_pd"]["source"].dtype) == "str"
    segs = env["segments_pd"]
    assert set(segs["source"]) == {"syria-direct"} and str(segs["char_start"].dtype) == "Int64"
    assert sum(n for _, n in env["per_source"]) == total
    assert env["docs_pl"].height == total and env["docs_pl"].schema["ingest_date"] == pl.Date

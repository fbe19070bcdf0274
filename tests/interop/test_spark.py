"""Spark (local mode) reads every dataset as the README says, and gets the same rows and text as pyarrow."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from textlake import schema

from .conftest import FAMILY, Published

pytestmark = [pytest.mark.spark, pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")]

if shutil.which("java") is None:
    pytest.skip("Spark needs a Java runtime: no `java` on PATH", allow_module_level=True)
pyspark = pytest.importorskip("pyspark", reason="pyspark is pinned in requirements.txt; run `make setup`")

from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import types as T  # noqa: E402

SPARK_TYPES = {
    pa.string(): "string",
    pa.large_string(): "string",
    pa.int32(): "int",
    pa.int64(): "bigint",
    pa.date32(): "date",
    pa.timestamp("us", "UTC"): "timestamp",
    pa.binary(): "binary",
}


def spark_ddl(dataset: str, keys: tuple[str, ...]) -> str:
    """The explicit schema the README gives for Spark: the data contract plus the partition columns as strings."""
    fields = [f"`{f.name}` {SPARK_TYPES[f.type]}" for f in schema.DATASETS[dataset]]
    return ", ".join(fields + [f"`{k}` string" for k in keys])


@pytest.fixture(scope="module")
def spark():
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("textlake-interop")
        .config("spark.driver.memory", "512m")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_every_dataset(spark, published: Published):
    for dataset in published.datasets:
        keys = published.partitions(dataset)
        reference = published.arrow(dataset)
        df = spark.read.parquet(str(published.path(dataset)))
        file_schema = pq.read_schema(next(published.path(dataset).rglob("*.parquet")))
        assert df.count() == reference.num_rows, dataset
        assert set(df.columns) == set(file_schema.names) | set(keys), dataset
        types = dict(df.dtypes)
        for field in file_schema:
            assert types[field.name] == SPARK_TYPES[field.type], (dataset, field.name, types[field.name])
        for key in keys:
            assert types[key] == "string", (dataset, key)  # partitionColumnTypeInference off: no date, no int
        if "ingested_at" in types:
            assert isinstance(df.schema["ingested_at"].dataType, T.TimestampType)  # not timestamp_ntz
            micros = {r[0] for r in df.selectExpr("unix_micros(ingested_at)").distinct().collect()}
            assert micros == set(reference["ingested_at"].cast(pa.int64()).to_pylist())
        if "source" in keys:
            assert {r[0] for r in df.select("source").distinct().collect()} == set(reference["source"].to_pylist())
        assert {r[0] for r in df.select("ingest_date").distinct().collect()} == {published.ingest_date}


def test_documents_with_explicit_schema(spark, published: Published):
    keys = published.partitions("documents")
    df = spark.read.schema(spark_ddl("documents", keys)).parquet(str(published.path("documents")))
    assert df.count() == published.arrow("documents").num_rows
    assert dict(df.dtypes)["published_date"] == "date" and dict(df.dtypes)["ingest_date"] == "string"
    nulls = df.where("published_date IS NULL").count()
    assert nulls == published.arrow("documents")["published_date"].null_count > 0


def test_default_inference_types_ingest_date_as_date(spark, published: Published):
    spark.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "true")
    try:
        df = spark.read.parquet(str(published.path("documents")))
        assert dict(df.dtypes)["ingest_date"] == "date" and dict(df.dtypes)["source"] == "string"
    finally:
        spark.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")


def test_non_latin_text_equals_pyarrow(spark, published: Published):
    """Arabic, emoji (ZWJ family), CJK and combining marks: exactly the strings pyarrow reads."""
    reference = {
        r["doc_id"]: r
        for r in published.arrow("documents").to_pylist()
        if not r["body"].isascii() or not (r["title"] or "").isascii()
    }
    assert len(reference) >= 8 and any(FAMILY in r["body"] for r in reference.values())
    df = spark.read.schema(spark_ddl("documents", published.partitions("documents"))).parquet(str(published.path("documents")))
    got = {r["doc_id"]: r.asDict() for r in df.where(df.doc_id.isin(list(reference))).collect()}
    assert got.keys() == reference.keys()
    for doc_id, ref in reference.items():
        for column in ("title", "body", "source_name", "source", "published_date", "n_chars"):
            assert got[doc_id][column] == ref[column], (doc_id, column)
        assert len(got[doc_id]["body"]) == ref["n_chars"]
    comments = published.arrow("comments").to_pylist()
    spark_comments = {
        (r["doc_id"], r["comment_seq"]): (r["author"], r["text"])
        for r in spark.read.parquet(str(published.path("comments"))).collect()
    }
    assert spark_comments == {(c["doc_id"], c["comment_seq"]): (c["author"], c["text"]) for c in comments}


def test_spark_sql_documents_per_source(spark, published: Published):
    spark.read.parquet(str(published.path("documents"))).createOrReplaceTempView("documents")
    rows = spark.sql(
        "SELECT ingest_date, source, first(source_name) AS source_name, count(*) AS docs "
        "FROM documents GROUP BY ingest_date, source ORDER BY docs DESC, source"
    ).collect()
    expected = published.arrow("documents").group_by(["source"]).aggregate([("doc_id", "count")]).to_pylist()
    assert {r["source"]: r["docs"] for r in rows} == {e["source"]: e["doc_id_count"] for e in expected}


def test_segment_offsets_are_code_points_in_spark(spark, published: Published):
    """`char_start`/`char_end` index `documents.body` by code point: Spark's substring (1-based) agrees."""
    spark.read.parquet(str(published.path("documents"))).createOrReplaceTempView("documents")
    spark.read.parquet(str(published.path("segments"))).createOrReplaceTempView("segments")
    row = spark.sql("""SELECT count(*) AS n, sum(CASE WHEN substring(d.body, s.char_start + 1, s.char_end - s.char_start) = s.text
                       THEN 1 ELSE 0 END) AS ok, sum(CASE WHEN d.body RLIKE '[^\\\\x00-\\\\x7F]' THEN 1 ELSE 0 END) AS non_ascii
                       FROM segments s JOIN documents d ON s.doc_id = d.doc_id
                       WHERE s.kind IN ('paragraph', 'sentence')""").collect()[0]
    assert row["n"] > 0 and row["ok"] == row["n"] and row["non_ascii"] > 0


SPARK_SNIPPET = """
# Spark: no partition type inference (or an explicit schema with ingest_date and source as strings)
from pyspark.sql import SparkSession
spark = (SparkSession.builder.config("spark.sql.session.timeZone", "UTC")
         .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false").getOrCreate())
docs = spark.read.parquet(f"{ROOT}/documents")
"""


def test_readme_spark_snippet(spark, published: Published):
    env = {"ROOT": str(published.root)}
    exec(SPARK_SNIPPET, env)
    assert env["spark"] is spark  # the running session, with the snippet's settings applied
    docs = env["docs"]
    assert docs.count() == published.arrow("documents").num_rows
    assert dict(docs.dtypes)["ingest_date"] == "string" and dict(docs.dtypes)["ingested_at"] == "timestamp"
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    if "### Example queries" in readme:
        assert " ".join(SPARK_SNIPPET.split()) in " ".join(readme.split())

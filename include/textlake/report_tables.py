"""The corpus report's numbers: small typed tables over the published datasets and run manifests.

Every table is computed from what readers see (the published datasets, never the
staging area) plus the runs' manifests, written as CSV and Parquet beside the report for
dashboards, and drawn by `textlake.report_plots`.
"""

from __future__ import annotations

import json
from pathlib import Path

import fsspec
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from textlake import layout
from textlake.publish import open_dataset

DOC_COLUMNS = (
    "doc_id",
    "ingest_date",
    "source",
    "source_name",
    "title",
    "language",
    "n_chars",
    "n_sentences",
    "n_paragraphs",
    "n_comments",
    "n_dropped_lines",
    "near_dup_cluster",
    "run_id",
)
UNCODED = "(no code: published before reason codes)"


def _read(output: str, name: str, columns: tuple[str, ...], options: dict | None) -> tuple[pd.DataFrame, set[str]]:
    """The dataset's columns that exist as a DataFrame (empty when the dataset is absent), and their names."""
    dataset = open_dataset(output, name, options)
    if dataset is None:
        return pd.DataFrame(columns=list(columns)), set()
    present = [c for c in columns if c in dataset.schema.names]
    frame = dataset.to_table(columns=present).to_pandas()
    # The reader's schema is the contract (missing columns read as null); a column counts as
    # present only when some file holds it, e.g. `near_dup_cluster` in older documents.
    wanted = set(present) - {"ingest_date", "source"}
    found = set(present) - wanted
    for fragment in dataset.get_fragments():
        found |= wanted & set(fragment.physical_schema.names)
        if found >= set(present):
            break
    return frame, found


def read_documents(output: str, options: dict | None) -> tuple[pd.DataFrame, set[str]]:
    """The documents' report columns, numbers as integers; columns older files lack read as null."""
    docs, columns = _read(output, "documents", DOC_COLUMNS, options)
    for column in DOC_COLUMNS:  # tolerate older datasets without some column
        if column not in docs.columns:
            docs[column] = pd.Series([None] * len(docs), dtype="object")
    for column in ("n_chars", "n_sentences", "n_paragraphs", "n_comments", "n_dropped_lines"):
        docs[column] = pd.to_numeric(docs[column]).fillna(0).astype("int64")
    return docs, columns


def read_accounts(output: str, options: dict | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ledger and the quarantine: statuses, stages and reason codes."""
    files, _ = _read(output, "files", ("ingest_date", "status", "reason_code", "run_id"), options)
    quarantine, _ = _read(output, "quarantine", ("ingest_date", "stage", "reason_code", "run_id"), options)
    for frame in (files, quarantine):
        if "reason_code" not in frame.columns:
            frame["reason_code"] = pd.Series([None] * len(frame), dtype="object")
    return files, quarantine


def write_table(frame: pd.DataFrame, folder: Path, stem: str) -> list[str]:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, folder / f"{stem}.parquet", compression="zstd")
    pacsv.write_csv(table, folder / f"{stem}.csv")
    return [f"{stem}.csv", f"{stem}.parquet"]


def summary_by_source_day(docs: pd.DataFrame) -> pd.DataFrame:
    columns = [
        "ingest_date",
        "source",
        "documents",
        "sentences",
        "chars",
        "median_chars",
        "comments",
        "dropped_lines",
        "kept_lines",
        "boilerplate_line_share",
    ]
    if docs.empty:
        return pd.DataFrame(
            {
                c: pd.Series(dtype="float64" if c == "boilerplate_line_share" else "int64")
                if c not in ("ingest_date", "source")
                else pd.Series(dtype="string")
                for c in columns
            }
        )
    frame = docs.assign(kept_lines=docs["n_paragraphs"].fillna(0) + docs["title"].notna().astype("int64"))
    grouped = frame.groupby(["ingest_date", "source"], as_index=False, observed=True).agg(
        documents=("doc_id", "size"),
        sentences=("n_sentences", "sum"),
        chars=("n_chars", "sum"),
        median_chars=("n_chars", "median"),
        comments=("n_comments", "sum"),
        dropped_lines=("n_dropped_lines", "sum"),
        kept_lines=("kept_lines", "sum"),
    )
    lines = grouped["dropped_lines"] + grouped["kept_lines"]
    grouped["boilerplate_line_share"] = (grouped["dropped_lines"] / lines.where(lines > 0)).round(4)
    for c in ("documents", "sentences", "chars", "comments", "dropped_lines", "kept_lines"):
        grouped[c] = grouped[c].astype("int64")
    return grouped.sort_values(["ingest_date", "source"])[columns].reset_index(drop=True)


def lengths_by_source(docs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for source, group in ([("(all)", docs)] if not docs.empty else []) + sorted(docs.groupby("source", observed=True)):
        row = {"source": source, "documents": len(group)}
        for column in ("n_chars", "n_sentences"):
            for q in (0.1, 0.5, 0.9):
                row[f"{column}_p{int(q * 100)}"] = float(group[column].quantile(q))
            row[f"{column}_max"] = int(group[column].max())
        rows.append(row)
    return pd.DataFrame(
        rows,
        columns=["source", "documents", *[f"{c}_{s}" for c in ("n_chars", "n_sentences") for s in ("p10", "p50", "p90", "max")]],
    )


def reasons(files: pd.DataFrame, quarantine: pd.DataFrame) -> pd.DataFrame:
    """Files not published by status and reason code, quarantined rows by stage and reason code."""
    parts = []
    if not files.empty:
        refused = files[files["status"] != "published"]
        parts.append(
            pd.DataFrame({"dataset": "files", "kind": refused["status"], "reason_code": refused["reason_code"].fillna(UNCODED)})
        )
    if not quarantine.empty:
        parts.append(
            pd.DataFrame(
                {"dataset": "quarantine", "kind": quarantine["stage"], "reason_code": quarantine["reason_code"].fillna(UNCODED)}
            )
        )
    if not parts:
        return pd.DataFrame(
            {
                "dataset": pd.Series(dtype="string"),
                "kind": pd.Series(dtype="string"),
                "reason_code": pd.Series(dtype="string"),
                "count": pd.Series(dtype="int64"),
            }
        )
    frame = pd.concat(parts, ignore_index=True)
    counted = frame.groupby(["dataset", "kind", "reason_code"], as_index=False).size().rename(columns={"size": "count"})
    return counted.sort_values(["dataset", "count", "reason_code"], ascending=[True, False, True]).reset_index(drop=True)


def removals(output: str, options: dict | None) -> pd.DataFrame:
    """What cleaning removed, per source, stage and reason code: documents and lines, over every run's manifest."""
    fs, root = fsspec.core.url_to_fs(layout.manifests_uri(output), **(options or {}))
    rows: dict[tuple[str, str, str], dict[str, int]] = {}
    for path in sorted(fs.glob(f"{root}/*.json")) if fs.exists(root) else []:
        for row in json.loads(fs.cat_file(path)).get("removals", []):  # runs before step statistics have none
            counts = rows.setdefault((row["source"], row["stage"], row["reason_code"]), {"documents": 0, "lines": 0})
            counts[row["unit"]] += row["count"]
    frame = pd.DataFrame(
        [{"source": s, "stage": st, "reason_code": c, **n} for (s, st, c), n in rows.items()],
        columns=["source", "stage", "reason_code", "documents", "lines"],
    )
    frame = frame.astype({"source": "string", "stage": "string", "reason_code": "string", "documents": "int64", "lines": "int64"})
    return frame.sort_values(["source", "lines", "documents", "reason_code"], ascending=[True, False, False, True]).reset_index(
        drop=True
    )


def languages(docs: pd.DataFrame) -> pd.DataFrame:
    if docs.empty:
        return pd.DataFrame(
            {"source": pd.Series(dtype="string"), "language": pd.Series(dtype="string"), "documents": pd.Series(dtype="int64")}
        )
    return (
        docs.assign(language=docs["language"].fillna("und"))
        .groupby(["source", "language"], as_index=False)
        .size()
        .rename(columns={"size": "documents"})
        .sort_values(["source", "documents"], ascending=[True, False])
    )


def files_by_status_day(files: pd.DataFrame) -> pd.DataFrame:
    if files.empty:
        return pd.DataFrame(
            {"ingest_date": pd.Series(dtype="string"), "status": pd.Series(dtype="string"), "files": pd.Series(dtype="int64")}
        )
    return files.groupby(["ingest_date", "status"], as_index=False).size().rename(columns={"size": "files"})


def clusters(docs: pd.DataFrame) -> pd.DataFrame:
    valid = docs[docs["near_dup_cluster"].notna()]
    if valid.empty:
        return pd.DataFrame(
            {
                "cluster": pd.Series(dtype="string"),
                "size": pd.Series(dtype="int64"),
                "sources": pd.Series(dtype="string"),
                "example_title": pd.Series(dtype="string"),
            }
        )
    rows = []
    for cluster, group in valid.groupby("near_dup_cluster"):
        titles = group["title"].dropna()
        rows.append(
            {
                "cluster": cluster,
                "size": len(group),
                "sources": ", ".join(sorted(group["source"].unique())),
                "example_title": titles.iloc[0] if len(titles) else None,
            }
        )
    return pd.DataFrame(rows).sort_values(["size", "cluster"], ascending=[False, True]).reset_index(drop=True)

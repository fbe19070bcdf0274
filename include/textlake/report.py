"""The corpus report: what the published datasets hold, as plots, tables and one HTML page.

`build_report(output)` reads the published datasets (never the staging area) and
writes `<output>/_reports/<name>/`:

    index.html                      self-contained page (relative links only), headline numbers
    *.png                           plots rendered with matplotlib's Agg renderer (no display needed)
    summary_by_source_day.{csv,parquet}, lengths_by_source.*, languages.*, reasons.*,
    near_dup_clusters.*, files_by_status_day.*   the numbers behind the plots, for dashboards

and points `<output>/_reports/latest` (a relative symbolic link, swapped atomically) at
it, so `<output>/_reports/latest/index.html` is a stable address. Older report folders
beyond `keep` are removed.

Boilerplate share (documented in the README): the share of a page's text lines that
cleaning removed as page leftovers, `n_dropped_lines / (n_dropped_lines + kept lines)`,
where kept lines are the title (when found) plus the body paragraphs. Reader-comment
text is neither. Per source and day it is the ratio of the sums, not a mean of ratios.

Pure functions over files: no Airflow import. matplotlib is used through its
object-oriented API (`Figure`), so no global backend or pyplot state is touched.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

from textlake.publish import open_dataset

REPORTS = "_reports"
LATEST = "latest"
DOC_COLUMNS = ("doc_id", "ingest_date", "source", "source_name", "title", "language", "n_chars", "n_sentences",
               "n_paragraphs", "n_comments", "n_dropped_lines", "near_dup_cluster", "run_id")
TOP_SOURCES = 10
_NAME_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_NUMBER = re.compile(r"\d[\d,._]*")
_PAREN = re.compile(r"\([^)]*\)")
_PATHISH = re.compile(r"[^\s,:]*[/\\][^\s,:]*")
_SAME_CONTENT = re.compile(r"^same content as .+?(, [^,]+| in this run)$")
_COLORS = {"published": "#2a9d8f", "duplicate": "#8d99ae", "quarantined": "#e9c46a", "rejected": "#e76f51"}


def reason_group(reason: str | None) -> str:
    """A reason without its particulars (paths, numbers, parenthesised details), for counting.

    `decode: truncated gzip stream (file ends …)` → `decode: truncated gzip stream (…)`;
    `same content as /in/a.txt, already published` → `same content as <file>, already published`;
    `validate: documents: expect_… on n_chars` keeps the expectation.
    """
    if not reason:
        return "(no reason given)"
    text = reason.strip()
    match = _SAME_CONTENT.match(text)
    if match:
        return f"same content as <file>{_NUMBER.sub('N', match.group(1))}"
    text = _PAREN.sub("(…)", text)
    text = _PATHISH.sub("<path>", text)
    text = _NUMBER.sub("N", text)
    parts = text.split(": ")
    keep = 3 if parts[0] in ("validate", "segment") else 2
    return ": ".join(parts[:keep]).strip()[:120]


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


def _write_table(frame: pd.DataFrame, folder: Path, stem: str) -> list[str]:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, folder / f"{stem}.parquet", compression="zstd")
    pacsv.write_csv(table, folder / f"{stem}.csv")
    return [f"{stem}.csv", f"{stem}.parquet"]


def _figure(width: float = 9, height: float = 4.2) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig


def _save(fig: Figure, folder: Path, name: str) -> str:
    fig.savefig(folder / name, dpi=96, format="png")
    return name


def _empty(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color="#555", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)



def _panel_pair(empty_message: str | None):
    """A figure with two side-by-side panels, both saying `empty_message` when there is nothing to draw."""
    fig = _figure(10, 4)
    left, right = fig.subplots(1, 2)
    if empty_message:
        _empty(left, empty_message)
        _empty(right, empty_message)
    return fig, left, right

def _summary_by_source_day(docs: pd.DataFrame) -> pd.DataFrame:
    columns = ["ingest_date", "source", "documents", "sentences", "chars", "median_chars", "comments", "dropped_lines",
               "kept_lines", "boilerplate_line_share"]
    if docs.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "boilerplate_line_share" else "int64")
                             if c not in ("ingest_date", "source") else pd.Series(dtype="string") for c in columns})
    frame = docs.assign(kept_lines=docs["n_paragraphs"].fillna(0) + docs["title"].notna().astype("int64"))
    grouped = frame.groupby(["ingest_date", "source"], as_index=False, observed=True).agg(
        documents=("doc_id", "size"), sentences=("n_sentences", "sum"), chars=("n_chars", "sum"),
        median_chars=("n_chars", "median"), comments=("n_comments", "sum"), dropped_lines=("n_dropped_lines", "sum"),
        kept_lines=("kept_lines", "sum"))
    lines = grouped["dropped_lines"] + grouped["kept_lines"]
    grouped["boilerplate_line_share"] = (grouped["dropped_lines"] / lines.where(lines > 0)).round(4)
    for c in ("documents", "sentences", "chars", "comments", "dropped_lines", "kept_lines"):
        grouped[c] = grouped[c].astype("int64")
    return grouped.sort_values(["ingest_date", "source"])[columns].reset_index(drop=True)


def _lengths_by_source(docs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for source, group in ([("(all)", docs)] if not docs.empty else []) + sorted(docs.groupby("source", observed=True)):
        row = {"source": source, "documents": len(group)}
        for column in ("n_chars", "n_sentences"):
            for q in (0.1, 0.5, 0.9):
                row[f"{column}_p{int(q * 100)}"] = float(group[column].quantile(q))
            row[f"{column}_max"] = int(group[column].max())
        rows.append(row)
    return pd.DataFrame(rows, columns=["source", "documents", *[f"{c}_{s}" for c in ("n_chars", "n_sentences")
                                                               for s in ("p10", "p50", "p90", "max")]])


def _reasons(files: pd.DataFrame, quarantine: pd.DataFrame) -> pd.DataFrame:
    parts = []
    if not files.empty:
        refused = files[files["status"] != "published"]
        parts.append(pd.DataFrame({"dataset": "files", "kind": refused["status"],
                                   "reason_group": refused["reason"].map(reason_group)}))
    if not quarantine.empty:
        parts.append(pd.DataFrame({"dataset": "quarantine", "kind": quarantine["stage"],
                                   "reason_group": (quarantine["stage"] + ": " + quarantine["reason"].fillna(""))
                                   .map(reason_group)}))
    if not parts:
        return pd.DataFrame({"dataset": pd.Series(dtype="string"), "kind": pd.Series(dtype="string"),
                             "reason_group": pd.Series(dtype="string"), "count": pd.Series(dtype="int64")})
    frame = pd.concat(parts, ignore_index=True)
    counted = frame.groupby(["dataset", "kind", "reason_group"], as_index=False).size().rename(columns={"size": "count"})
    return counted.sort_values(["dataset", "count", "reason_group"], ascending=[True, False, True]).reset_index(drop=True)


def _clusters(docs: pd.DataFrame) -> pd.DataFrame:
    valid = docs[docs["near_dup_cluster"].notna()]
    if valid.empty:
        return pd.DataFrame({"cluster": pd.Series(dtype="string"), "size": pd.Series(dtype="int64"),
                             "sources": pd.Series(dtype="string"), "example_title": pd.Series(dtype="string")})
    rows = []
    for cluster, group in valid.groupby("near_dup_cluster"):
        titles = group["title"].dropna()
        rows.append({"cluster": cluster, "size": len(group), "sources": ", ".join(sorted(group["source"].unique())),
                     "example_title": titles.iloc[0] if len(titles) else None})
    return pd.DataFrame(rows).sort_values(["size", "cluster"], ascending=[False, True]).reset_index(drop=True)


def _plot_docs_per_source_day(summary: pd.DataFrame, folder: Path) -> str:
    fig = _figure()
    ax = fig.subplots()
    if summary.empty:
        _empty(ax, "No documents published yet")
    else:
        pivot = summary.pivot_table(index="ingest_date", columns="source", values="documents", aggfunc="sum", fill_value=0)
        order = pivot.sum().sort_values(ascending=False).index
        top = list(order[:TOP_SOURCES])
        if len(order) > TOP_SOURCES:
            pivot["other sources"] = pivot[list(order[TOP_SOURCES:])].sum(axis=1)
            top.append("other sources")
        pivot = pivot[top]
        bottom = pd.Series(0, index=pivot.index)
        for source in top:
            ax.bar(pivot.index.astype(str), pivot[source], bottom=bottom, label=source)
            bottom = bottom + pivot[source]
        ax.set_ylabel("documents published")
        ax.set_xlabel("ingest date (UTC)")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        ax.tick_params(axis="x", labelrotation=45 if len(pivot) > 6 else 0)
    ax.set_title("Documents per source per day")
    return _save(fig, folder, "documents_per_source_day.png")


def _plot_lengths(docs: pd.DataFrame, folder: Path) -> str:
    fig, left, right = _panel_pair("No documents" if docs.empty else None)
    if not docs.empty:
        chars = docs["n_chars"].clip(lower=1)
        lo, hi = float(chars.min()), float(chars.max())
        log = hi / lo >= 20  # a log axis only pays off over more than a decade
        n_bins = min(30, max(5, len(chars) // 2))
        bins = [lo * (hi / lo) ** (i / n_bins) for i in range(n_bins + 1)] if log else n_bins
        left.hist(chars, bins=bins, color="#264653")
        if log:
            left.set_xscale("log")
            left.xaxis.set_minor_formatter(NullFormatter())
        left.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
        left.axvline(float(chars.median()), color="#e76f51", linestyle="--", label=f"median {int(chars.median()):,}")
        left.legend(frameon=False, fontsize=8)
        left.set_xlabel("characters in body" + (" (log scale)" if log else ""))
        left.set_ylabel("documents")
        left.yaxis.set_major_locator(MaxNLocator(integer=True))
        sentences = docs["n_sentences"]
        low, high = int(sentences.min()), int(sentences.max())
        step = max(1, (high - low + 1) // 40 + 1)
        right.hist(sentences, bins=range(low, high + step + 1, step), color="#2a9d8f", align="left", rwidth=0.9)
        right.yaxis.set_major_locator(MaxNLocator(integer=True))
        right.xaxis.set_major_locator(MaxNLocator(integer=True))
        right.axvline(float(sentences.median()), color="#e76f51", linestyle="--", label=f"median {sentences.median():g}")
        right.legend(frameon=False, fontsize=8)
        right.set_xlabel("sentences in body")
    left.set_title("Body length (n_chars)")
    right.set_title("Sentences per document (n_sentences)")
    return _save(fig, folder, "length_distributions.png")


def _plot_boilerplate(summary: pd.DataFrame, docs: pd.DataFrame, folder: Path) -> str:
    fig, left, right = _panel_pair("No documents" if docs.empty else None)
    if not docs.empty:
        by_source = summary.groupby("source")[["dropped_lines", "kept_lines"]].sum()
        lines = by_source["dropped_lines"] + by_source["kept_lines"]
        share = (by_source["dropped_lines"] / lines.where(lines > 0)).fillna(0)
        share = share.sort_values().tail(15)
        left.barh(share.index, share.values, color="#e9c46a")
        left.set_xlim(0, 1)
        left.set_xlabel("share of page lines removed as leftovers")
        kept = docs["n_paragraphs"].fillna(0) + docs["title"].notna().astype("int64")
        total = docs["n_dropped_lines"] + kept
        per_doc = (docs["n_dropped_lines"] / total.where(total > 0)).dropna()
        right.hist(per_doc, bins=20, range=(0, 1), color="#f4a261")
        right.set_xlabel("boilerplate line share per document")
        right.yaxis.set_major_locator(MaxNLocator(integer=True))
        right.set_ylabel("documents")
    left.set_title("Boilerplate share by source")
    right.set_title("Boilerplate share, per document")
    return _save(fig, folder, "boilerplate_share.png")


def _plot_languages(docs: pd.DataFrame, folder: Path) -> str:
    fig = _figure(7, 4)
    ax = fig.subplots()
    if docs.empty:
        _empty(ax, "No documents")
    else:
        counts = docs["language"].fillna("und").value_counts()
        if len(counts) > 12:
            counts = pd.concat([counts.iloc[:12], pd.Series({"other": counts.iloc[12:].sum()})])
        counts = counts.iloc[::-1]
        ax.barh(counts.index.astype(str), counts.values, color="#457b9d")
        ax.set_xlabel("documents")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Languages (CLD2; und = undetermined)")
    return _save(fig, folder, "languages.png")


def _plot_reasons(reasons: pd.DataFrame, folder: Path) -> str:
    fig = _figure(11, 5)
    left, right = fig.subplots(1, 2)
    for ax, dataset, title in ((left, "files", "Files not published, by reason (ledger)"),
                               (right, "quarantine", "Quarantine, by stage and reason")):
        part = reasons[reasons["dataset"] == dataset].head(12)
        if part.empty:
            _empty(ax, "Nothing here: every file was published" if dataset == "files" else "Nothing quarantined")
        else:
            part = part.iloc[::-1]
            labels = [_short(r, 48) for r in part["reason_group"]]
            colors = [_COLORS.get(k, "#e76f51") for k in part["kind"]]
            ax.barh(range(len(part)), part["count"], color=colors)
            ax.set_yticks(range(len(part)), labels, fontsize=7)
            ax.set_xlabel("files" if dataset == "files" else "rows")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            if dataset == "files":
                kinds = list(dict.fromkeys(part["kind"]))[::-1]
                ax.legend(handles=[Patch(color=_COLORS.get(k, "#e76f51"), label=k) for k in kinds], fontsize=8, frameon=False)
        ax.set_title(title, fontsize=10)
    return _save(fig, folder, "reasons.png")


def _plot_clusters(clusters: pd.DataFrame, has_column: bool, folder: Path) -> str:
    fig = _figure(10, 4)
    left, right = fig.subplots(1, 2)
    if not has_column or clusters.empty:
        message = ("No near_dup_cluster column in documents" if not has_column
                   else "No near-duplicate clusters recorded")
        _empty(left, message)
        _empty(right, "")
    else:
        sizes = clusters["size"].value_counts().sort_index()
        left.bar(sizes.index.astype(str), sizes.values, color="#6d597a")
        log = sizes.max() > 50
        if log:
            left.set_yscale("log")
        else:
            left.yaxis.set_major_locator(MaxNLocator(integer=True))
        left.set_xlabel("documents in cluster")
        left.set_ylabel("clusters (log scale)" if log else "clusters")
        top = clusters[clusters["size"] > 1].head(10).iloc[::-1]
        if top.empty:
            _empty(right, "Every document is its own story")
        else:
            labels = [_short(t or c, 40) for t, c in zip(top["example_title"], top["cluster"], strict=True)]
            right.barh(range(len(top)), top["size"], color="#b56576")
            right.set_yticks(range(len(top)), labels, fontsize=7)
            right.set_xlabel("documents")
            right.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.set_title("Near-duplicate cluster sizes")
    right.set_title("Largest near-duplicate clusters")
    return _save(fig, folder, "near_duplicates.png")


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _html_table(frame: pd.DataFrame, limit: int = 20) -> str:
    if frame.empty:
        return "<p class='muted'>No rows.</p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for row in frame.head(limit).itertuples(index=False):
        cells = []
        for value in row:
            if isinstance(value, float):
                text = "" if pd.isna(value) else f"{value:,.4g}" if abs(value) < 1 else f"{value:,.0f}"
            elif isinstance(value, int):
                text = f"{value:,}"
            else:
                text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
            cells.append(f"<td>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = f"<p class='muted'>First {limit} of {len(frame):,} rows; all of them are in the CSV / Parquet file.</p>" \
        if len(frame) > limit else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:1.5rem;color:#222}
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
.muted{color:#666;font-size:.9rem}.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
.card{border:1px solid #ddd;border-radius:6px;padding:.6rem .9rem;min-width:8.5rem}
.card b{display:block;font-size:1.4rem}img{max-width:100%;height:auto;border:1px solid #eee}
table{border-collapse:collapse;font-size:.85rem;margin:.6rem 0}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left}
th{background:#f6f6f6}code{background:#f4f4f4;padding:0 .2rem}
"""


def _page(headline: dict, sections: list[tuple[str, str]], run_ids: list[str], generated_at: str, output: str,
          downloads: list[str]) -> str:
    cards = "".join(f"<div class='card'><b>{html.escape(value)}</b>{html.escape(label)}</div>" for label, value in (
        ("documents", f"{headline['documents']:,}"), ("sources", f"{headline['sources']:,}"),
        ("ingest days", f"{headline['ingest_days']:,}"), ("runs", f"{len(run_ids):,}"),
        ("files seen", f"{headline['files']:,}"), ("quarantined rows", f"{headline['quarantine_rows']:,}"),
        ("median body chars", f"{headline['median_chars']:,}" if headline["median_chars"] is not None else "–"),
        ("boilerplate line share", f"{headline['boilerplate_line_share']:.0%}"
         if headline["boilerplate_line_share"] is not None else "–"),
    ))
    statuses = ", ".join(f"{k}: {v:,}" for k, v in headline["files_by_status"].items()) or "no files yet"
    body = "".join(f"<h2>{html.escape(title)}</h2>{content}" for title, content in sections)
    runs = "".join(f"<li><code>{html.escape(r)}</code></li>" for r in run_ids) or "<li>none</li>"
    links = " · ".join(f"<a href='{html.escape(d)}'>{html.escape(d)}</a>" for d in downloads)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>textlake corpus report</title><style>{_CSS}</style></head><body>
<h1>textlake corpus report</h1>
<p class="muted">Generated {html.escape(generated_at)} from the published datasets in <code>{html.escape(output)}</code>.</p>
<div class="cards">{cards}</div>
<p>Files by ledger status: {html.escape(statuses)}.</p>
{body}
<h2>Numbers for dashboards</h2><p>{links}</p>
<h2>Runs covered</h2><p class="muted">Every run that published rows or ledger entries now in the datasets.</p><ul>{runs}</ul>
</body></html>
"""


def _swap_latest(root: Path, name: str) -> None:
    """Point `root/latest` at `root/name` with one rename: readers see the old or the new report."""
    latest = root / LATEST
    if latest.exists() and not latest.is_symlink():
        shutil.rmtree(latest)  # a folder left by an older layout
    tmp = root / f".{LATEST}-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(name, tmp)
    os.replace(tmp, latest)


def _prune(root: Path, keep: int) -> None:
    current = os.readlink(root / LATEST) if (root / LATEST).is_symlink() else None
    folders = sorted((p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime)
    for old in folders[:-keep] if keep > 0 else []:
        if old.name != current:
            shutil.rmtree(old, ignore_errors=True)


def build_report(output: str, report_dir: str | None = None, options: dict | None = None, keep: int = 30,
                 now: dt.datetime | None = None) -> dict:
    """Write the corpus report of the datasets under `output`; returns its paths and headline numbers.

    `report_dir` defaults to `<output>/_reports/<UTC timestamp>`; pass `<output>/_reports/<run>` to
    make a retried run rewrite its own report. When the folder lies directly in a `_reports`
    folder, `latest` there is pointed at it and all but the newest `keep` reports are removed.
    `options` are fsspec storage options for reading an output on object storage (the
    report itself is written to a local `report_dir`, which is then required).
    """
    now = now or dt.datetime.now(dt.timezone.utc)
    local_output = "://" not in output or output.startswith("file://")
    if report_dir is None:
        if not local_output:
            raise ValueError("an output on object storage needs an explicit local report_dir")
        report_dir = str(Path(output.removeprefix("file://")) / REPORTS / now.strftime("%Y-%m-%dT%H%M%SZ"))
    target = Path(report_dir)
    if not _NAME_OK.match(target.name) or target.name == LATEST:
        raise ValueError(f"report folder name {target.name!r} must match {_NAME_OK.pattern} and not be {LATEST!r}")

    docs, doc_columns = _read(output, "documents", DOC_COLUMNS, options)
    files, _ = _read(output, "files", ("ingest_date", "status", "reason", "run_id"), options)
    quarantine, _ = _read(output, "quarantine", ("ingest_date", "stage", "reason", "run_id"), options)
    has_clusters = "near_dup_cluster" in doc_columns and bool(docs["near_dup_cluster"].notna().any())
    for column in DOC_COLUMNS:  # tolerate older datasets without some column
        if column not in docs.columns:
            docs[column] = pd.Series([None] * len(docs), dtype="object")
    for column in ("n_chars", "n_sentences", "n_paragraphs", "n_comments", "n_dropped_lines"):
        docs[column] = pd.to_numeric(docs[column]).fillna(0).astype("int64")

    summary = _summary_by_source_day(docs)
    lengths = _lengths_by_source(docs)
    languages = (docs.assign(language=docs["language"].fillna("und")).groupby(["source", "language"], as_index=False)
                 .size().rename(columns={"size": "documents"}).sort_values(["source", "documents"], ascending=[True, False])
                 if not docs.empty else pd.DataFrame({"source": pd.Series(dtype="string"), "language": pd.Series(dtype="string"),
                                                      "documents": pd.Series(dtype="int64")}))
    reasons = _reasons(files, quarantine)
    clusters = _clusters(docs) if has_clusters else _clusters(docs.iloc[0:0])
    by_status_day = (files.groupby(["ingest_date", "status"], as_index=False).size().rename(columns={"size": "files"})
                     if not files.empty else pd.DataFrame({"ingest_date": pd.Series(dtype="string"),
                                                           "status": pd.Series(dtype="string"),
                                                           "files": pd.Series(dtype="int64")}))

    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    pngs = [
        _plot_docs_per_source_day(summary, tmp),
        _plot_lengths(docs, tmp),
        _plot_boilerplate(summary, docs, tmp),
        _plot_languages(docs, tmp),
        _plot_reasons(reasons, tmp),
        _plot_clusters(clusters, "near_dup_cluster" in doc_columns, tmp),
    ]
    downloads: list[str] = []
    tables = {"summary_by_source_day": summary, "lengths_by_source": lengths, "languages": languages,
              "reasons": reasons, "near_dup_clusters": clusters, "files_by_status_day": by_status_day}
    for stem, frame in tables.items():
        downloads += _write_table(frame, tmp, stem)

    run_ids = sorted(set(docs["run_id"].dropna()) | set(files["run_id"].dropna()) | set(quarantine["run_id"].dropna()))
    kept = int(summary["kept_lines"].sum()) if not summary.empty else 0
    dropped = int(summary["dropped_lines"].sum()) if not summary.empty else 0
    multi = clusters[clusters["size"] > 1]
    headline = {
        "documents": len(docs),
        "sources": int(docs["source"].nunique()),
        "ingest_days": int(docs["ingest_date"].nunique()),
        "files": len(files),
        "files_by_status": {str(k): int(v) for k, v in files["status"].value_counts().items()} if not files.empty else {},
        "quarantine_rows": len(quarantine),
        "median_chars": int(docs["n_chars"].median()) if len(docs) else None,
        "boilerplate_line_share": round(dropped / (dropped + kept), 4) if dropped + kept else None,
        "languages": int(docs["language"].nunique()),
        "near_dup_clusters": int(len(multi)) if has_clusters else None,
        "documents_in_near_dup_clusters": int(multi["size"].sum()) if has_clusters else None,
    }
    if "near_dup_cluster" not in doc_columns:
        cluster_note = ("<p><b>The documents dataset has no <code>near_dup_cluster</code> column</b> (published before "
                        "near-duplicate detection, or detection is off), so no clusters can be shown.</p>")
    elif not has_clusters:
        cluster_note = "<p>The <code>near_dup_cluster</code> column is empty: no document carries a cluster id yet.</p>"
    else:
        cluster_note = (f"<p>{headline['near_dup_clusters']:,} clusters hold more than one document "
                        f"({headline['documents_in_near_dup_clusters']:,} documents); the rest are unique stories.</p>")
    sections = [
        ("Documents per source per day", f"<img src='{pngs[0]}' alt='documents per source per day'>"
                                         + _html_table(summary.drop(columns=["kept_lines"]))),
        ("Lengths", f"<img src='{pngs[1]}' alt='length distributions'>" + _html_table(lengths)),
        ("Boilerplate share", "<p>Share of a page's text lines removed as page leftovers (menus, share lines, donation "
                              "widgets, cookie notices, template repeats): <code>n_dropped_lines / (n_dropped_lines + "
                              "title + n_paragraphs)</code>. Per source it is the ratio of the sums. Reader comments count "
                              f"as neither.</p><img src='{pngs[2]}' alt='boilerplate share'>"),
        ("Languages", f"<img src='{pngs[3]}' alt='languages'>"),
        ("Quarantine and rejections", "<p>Reasons with their particulars (paths, numbers, details in brackets) "
                                      f"replaced, so that alike reasons count together.</p><img src='{pngs[4]}' alt='reasons'>"
                                      + _html_table(reasons)),
        ("Near-duplicate clusters", cluster_note + f"<img src='{pngs[5]}' alt='near-duplicate clusters'>"
                                    + _html_table(multi.head(20))),
    ]
    generated_at = now.strftime("%Y-%m-%d %H:%M:%S UTC")
    (tmp / "index.html").write_text(_page(headline, sections, run_ids, generated_at, output, downloads), encoding="utf-8")

    if target.exists():
        shutil.rmtree(target)  # a retried run rewrites its own report
    os.replace(tmp, target)
    reports_root = target.parent  # <output>/_reports, or <staging>/_reports for an output on object storage
    latest = None
    if reports_root.name == REPORTS:
        _swap_latest(reports_root, target.name)
        _prune(reports_root, keep)
        latest = str(reports_root / LATEST / "index.html")
    return {
        "report_dir": str(target),
        "index": str(target / "index.html"),
        "latest": latest,
        "pngs": [str(target / p) for p in pngs],
        "tables": {stem: str(target / f"{stem}.parquet") for stem in tables},
        "generated_at": now.isoformat(),
        "run_ids": run_ids,
        "headline": headline,
    }


def outputs_from_events(events: list[tuple[str, dict | None]]) -> list[str]:
    """The distinct output folders named by `textlake_documents` Asset events, in first-seen order.

    Each event is `(asset uri, extra)`. The publish task puts the documents' location in
    `extra["location"]` (`<output>/documents`); an event without it (created by hand in the
    UI or the REST API) falls back to the asset's URI. Events batch: one run of the report
    may be triggered by several publishes, possibly into different outputs.
    """
    outputs: list[str] = []
    for uri, extra in events:
        location = str((extra or {}).get("location") or uri or "").removeprefix("file://").rstrip("/")
        if not location:
            continue
        output = location.rsplit("/", 1)[0] if location.rsplit("/", 1)[-1] == "documents" else location
        if output and output not in outputs:
            outputs.append(output)
    return outputs

"""The corpus report: what the published datasets hold, as plots, tables and one HTML page.

`build_report(output)` reads the published datasets (never the staging area) and the
runs' manifests, and writes `<output>/_reports/<name>/`:

    index.html                      self-contained page (relative links only), headline numbers
    *.png                           plots (`textlake.report_plots`)
    summary_by_source_day.{csv,parquet}, lengths_by_source.*, languages.*, removals.*, reasons.*,
    near_dup_clusters.*, files_by_status_day.*   the numbers behind them (`textlake.report_tables`)

and points `<output>/_reports/latest` (a relative symbolic link, swapped atomically) at
it, so `<output>/_reports/latest/index.html` is a stable address. Older report folders
beyond `keep` are removed.

Boilerplate share (documented in the README): the share of a page's text lines that
cleaning removed as page leftovers, `n_dropped_lines / (n_dropped_lines + kept lines)`,
where kept lines are the title (when found) plus the body paragraphs. Reader-comment
text is neither. Per source and day it is the ratio of the sums, not a mean of ratios.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import shutil
from pathlib import Path

import pandas as pd

from textlake import layout
from textlake import report_plots as plots
from textlake import report_tables as tables

REPORTS = layout.REPORTS
LATEST = layout.LATEST_REPORT
_NAME_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


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
    more = (
        f"<p class='muted'>First {limit} of {len(frame):,} rows; all of them are in the CSV / Parquet file.</p>"
        if len(frame) > limit
        else ""
    )
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


def _page(
    headline: dict, sections: list[tuple[str, str]], run_ids: list[str], generated_at: str, output: str, downloads: list[str]
) -> str:
    cards = "".join(
        f"<div class='card'><b>{html.escape(value)}</b>{html.escape(label)}</div>"
        for label, value in (
            ("documents", f"{headline['documents']:,}"),
            ("sources", f"{headline['sources']:,}"),
            ("ingest days", f"{headline['ingest_days']:,}"),
            ("runs", f"{len(run_ids):,}"),
            ("files seen", f"{headline['files']:,}"),
            ("quarantined rows", f"{headline['quarantine_rows']:,}"),
            ("median body chars", f"{headline['median_chars']:,}" if headline["median_chars"] is not None else "–"),
            (
                "boilerplate line share",
                f"{headline['boilerplate_line_share']:.0%}" if headline["boilerplate_line_share"] is not None else "–",
            ),
        )
    )
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
    folders = sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
    )
    for old in folders[:-keep] if keep > 0 else []:
        if old.name != current:
            shutil.rmtree(old, ignore_errors=True)


def build_report(
    output: str, report_dir: str | None = None, options: dict | None = None, keep: int = 30, now: dt.datetime | None = None
) -> dict:
    """Write the corpus report of the datasets under `output`; returns its paths and headline numbers.

    `report_dir` defaults to `<output>/_reports/<UTC timestamp>`; pass `<output>/_reports/<run>` to
    make a retried run rewrite its own report. When the folder lies directly in a `_reports`
    folder, `latest` there is pointed at it and all but the newest `keep` reports are removed.
    `options` are fsspec storage options for reading an output on object storage (the
    report itself is written to a local `report_dir`, which is then required).
    """
    now = now or dt.datetime.now(dt.UTC)
    local_output = "://" not in output or output.startswith("file://")
    if report_dir is None:
        if not local_output:
            raise ValueError("an output on object storage needs an explicit local report_dir")
        report_dir = str(Path(output.removeprefix("file://")) / REPORTS / now.strftime("%Y-%m-%dT%H%M%SZ"))
    target = Path(report_dir)
    if not _NAME_OK.match(target.name) or target.name == LATEST:
        raise ValueError(f"report folder name {target.name!r} must match {_NAME_OK.pattern} and not be {LATEST!r}")

    docs, doc_columns = tables.read_documents(output, options)
    files, quarantine = tables.read_accounts(output, options)
    has_clusters = "near_dup_cluster" in doc_columns and bool(docs["near_dup_cluster"].notna().any())

    summary = tables.summary_by_source_day(docs)
    lengths = tables.lengths_by_source(docs)
    languages = tables.languages(docs)
    reasons = tables.reasons(files, quarantine)
    removals = tables.removals(output, options)
    clusters = tables.clusters(docs) if has_clusters else tables.clusters(docs.iloc[0:0])
    by_status_day = tables.files_by_status_day(files)

    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    pngs = [
        plots.plot_docs_per_source_day(summary, tmp),
        plots.plot_lengths(docs, tmp),
        plots.plot_boilerplate(summary, docs, tmp),
        plots.plot_languages(docs, tmp),
        plots.plot_removals(removals, tmp),
        plots.plot_reasons(reasons, tmp),
        plots.plot_clusters(clusters, "near_dup_cluster" in doc_columns, tmp),
    ]
    downloads: list[str] = []
    frames = {
        "summary_by_source_day": summary,
        "lengths_by_source": lengths,
        "languages": languages,
        "removals": removals,
        "reasons": reasons,
        "near_dup_clusters": clusters,
        "files_by_status_day": by_status_day,
    }
    for stem, frame in frames.items():
        downloads += tables.write_table(frame, tmp, stem)

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
        cluster_note = (
            "<p><b>The documents dataset has no <code>near_dup_cluster</code> column</b> (published before "
            "near-duplicate detection, or detection is off), so no clusters can be shown.</p>"
        )
    elif not has_clusters:
        cluster_note = "<p>The <code>near_dup_cluster</code> column is empty: no document carries a cluster id yet.</p>"
    else:
        cluster_note = (
            f"<p>{headline['near_dup_clusters']:,} clusters hold more than one document "
            f"({headline['documents_in_near_dup_clusters']:,} documents); the rest are unique stories.</p>"
        )
    sections = [
        (
            "Documents per source per day",
            f"<img src='{pngs[0]}' alt='documents per source per day'>" + _html_table(summary.drop(columns=["kept_lines"])),
        ),
        ("Lengths", f"<img src='{pngs[1]}' alt='length distributions'>" + _html_table(lengths)),
        (
            "Boilerplate share",
            "<p>Share of a page's text lines removed as page leftovers (menus, share lines, donation "
            "widgets, cookie notices, template repeats): <code>n_dropped_lines / (n_dropped_lines + "
            "title + n_paragraphs)</code>. Per source it is the ratio of the sums. Reader comments count "
            f"as neither.</p><img src='{pngs[2]}' alt='boilerplate share'>",
        ),
        ("Languages", f"<img src='{pngs[3]}' alt='languages'>"),
        (
            "What was removed and why",
            "<p>Every line cleaning removed from a published document, and every document "
            "the chain dropped, by source, stage and reason code, from the runs' step "
            "statistics (<code>_manifests/</code>). Runs can publish each removed line "
            "with its text: the <code>removed</code> dataset (<code>audit_removed</code>)."
            f"</p><img src='{pngs[4]}' alt='removals'>" + _html_table(removals),
        ),
        (
            "Quarantine and rejections",
            "<p>Files not published, by ledger status and reason code; quarantined rows "
            f"by stage and reason code.</p><img src='{pngs[5]}' alt='reasons'>" + _html_table(reasons),
        ),
        (
            "Near-duplicate clusters",
            cluster_note + f"<img src='{pngs[6]}' alt='near-duplicate clusters'>" + _html_table(multi.head(20)),
        ),
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
        "tables": {stem: str(target / f"{stem}.parquet") for stem in frames},
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

"""The corpus report's plots, drawn with matplotlib's object-oriented API on the Agg renderer.

No global backend or pyplot state is touched, so plots can be drawn in any process
(an Airflow task, the CLI, a test) without a display.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

TOP_SOURCES = 10
COLORS = {"published": "#2a9d8f", "duplicate": "#8d99ae", "quarantined": "#e9c46a", "rejected": "#e76f51"}


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


def plot_docs_per_source_day(summary: pd.DataFrame, folder: Path) -> str:
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


def plot_lengths(docs: pd.DataFrame, folder: Path) -> str:
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


def plot_boilerplate(summary: pd.DataFrame, docs: pd.DataFrame, folder: Path) -> str:
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


def plot_languages(docs: pd.DataFrame, folder: Path) -> str:
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


def plot_reasons(reasons: pd.DataFrame, folder: Path) -> str:
    fig = _figure(11, 5)
    left, right = fig.subplots(1, 2)
    for ax, dataset, title in (
        (left, "files", "Files not published, by reason (ledger)"),
        (right, "quarantine", "Quarantine, by stage and reason"),
    ):
        part = reasons[reasons["dataset"] == dataset].head(12)
        if part.empty:
            _empty(ax, "Nothing here: every file was published" if dataset == "files" else "Nothing quarantined")
        else:
            part = part.iloc[::-1]
            labels = [_short(f"{k}: {r}", 48) for k, r in zip(part["kind"], part["reason_code"], strict=True)]
            colors = [COLORS.get(k, "#e76f51") for k in part["kind"]]
            ax.barh(range(len(part)), part["count"], color=colors)
            ax.set_yticks(range(len(part)), labels, fontsize=7)
            ax.set_xlabel("files" if dataset == "files" else "rows")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            if dataset == "files":
                kinds = list(dict.fromkeys(part["kind"]))[::-1]
                ax.legend(handles=[Patch(color=COLORS.get(k, "#e76f51"), label=k) for k in kinds], fontsize=8, frameon=False)
        ax.set_title(title, fontsize=10)
    return _save(fig, folder, "reasons.png")


def plot_clusters(clusters: pd.DataFrame, has_column: bool, folder: Path) -> str:
    fig = _figure(10, 4)
    left, right = fig.subplots(1, 2)
    if not has_column or clusters.empty:
        message = "No near_dup_cluster column in documents" if not has_column else "No near-duplicate clusters recorded"
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


def plot_removals(removals: pd.DataFrame, folder: Path) -> str:
    """Lines removed from published documents, and documents dropped, by reason code (all sources)."""
    fig, left, right = _panel_pair("No step statistics recorded yet" if removals.empty else None)
    if not removals.empty:
        for ax, unit, color, label in (
            (left, "lines", "#e9c46a", "lines removed from published documents"),
            (right, "documents", "#e76f51", "documents dropped"),
        ):
            by_code = removals.groupby(["stage", "reason_code"])[unit].sum()
            by_code = by_code[by_code > 0].sort_values().tail(15)
            if by_code.empty:
                _empty(ax, "None")
                continue
            ax.barh(range(len(by_code)), by_code.values, color=color)
            ax.set_yticks(range(len(by_code)), [f"{stage}: {code}" for stage, code in by_code.index], fontsize=7)
            ax.set_xlabel(label)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.set_title("Lines removed, by reason")
    right.set_title("Documents dropped, by reason")
    return _save(fig, folder, "removals.png")

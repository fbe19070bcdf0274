"""Rows: what a finished document or a drop becomes in the staged datasets.

A kept document becomes one `documents` row and its `segments`, `comments`, `mentions`
(and, when the run audits removals, `removed`) rows, with offsets into `body`; a drop
becomes one ledger row and one `quarantine` row, wherever in the chain it happened. Rows
are buffered per dataset and source for one chunk and written as Parquet files already
laid out by source, so publishing moves files instead of rewriting them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyarrow as pa

from textlake import schema
from textlake.discover import LedgerEntry
from textlake.enrich import source_slug
from textlake.reasons import LINE_STAGE
from textlake.schema import write_parquet
from textlake.steps import Drop

SIGNATURES = pa.schema([("doc_id", pa.string()), ("signature", pa.binary())])


class ChunkTables:
    """Column buffers for one chunk, per dataset and source slug."""

    def __init__(self) -> None:
        self.columns: dict[tuple[str, str], dict[str, list]] = {}

    def add(self, dataset: str, slug: str, row: dict) -> None:
        buffer = self.columns.setdefault((dataset, slug), {name: [] for name in schema.DATASETS[dataset].names})
        for name, values in buffer.items():
            values.append(row.get(name))

    def write(self, shard_dir: Path, basename: str) -> dict[str, int]:
        rows: dict[str, int] = {}
        while self.columns:  # each buffer is let go once written: Python and Arrow copies never pile up
            (dataset, slug), columns = self.columns.popitem()
            table = pa.Table.from_pydict(columns, schema=schema.DATASETS[dataset])
            del columns
            folder = shard_dir / dataset / f"source={slug}"
            folder.mkdir(parents=True, exist_ok=True)
            write_parquet(table, folder / basename, dataset)
            rows[dataset] = rows.get(dataset, 0) + table.num_rows
        return rows


def add_document(tables: ChunkTables, doc, run_id: str, ingested_at, audit_removed: bool) -> None:
    """The document row and its segment, comment, mention (and removed-line) rows."""
    doc_id, slug, segments = doc.doc_id, source_slug(doc.source), doc.segments
    seq = 0

    def segment(kind: str, text: str, start: int | None = None, end: int | None = None, paragraph: int | None = None):
        nonlocal seq
        tables.add(
            "segments",
            slug,
            {
                "doc_id": doc_id,
                "seq": seq,
                "kind": kind,
                "paragraph_seq": paragraph,
                "text": text,
                "char_start": start,
                "char_end": end,
                "run_id": run_id,
            },
        )
        seq += 1

    if segments.title:
        segment("title", segments.title)
    offset, n_sentences = 0, 0
    for p_seq, (paragraph, spans) in enumerate(zip(segments.paragraphs, doc.sentences, strict=True)):
        if p_seq:
            offset += 2  # the blank line between paragraphs in `body`
        segment("paragraph", paragraph, offset, offset + len(paragraph), p_seq)
        for start, end in spans:
            segment("sentence", paragraph[start:end], offset + start, offset + end, p_seq)
        n_sentences += len(spans)
        offset += len(paragraph)
    for c_seq, comment in enumerate(segments.comments):
        segment("comment", comment.text)
        tables.add(
            "comments",
            slug,
            {
                "doc_id": doc_id,
                "comment_seq": c_seq,
                "author": comment.author,
                "depth": comment.depth,
                "text": comment.text,
                "run_id": run_id,
            },
        )
    for entity_id, name, text, start, end in doc.mentions:
        tables.add(
            "mentions",
            slug,
            {
                "doc_id": doc_id,
                "entity_id": entity_id,
                "entity_name": name,
                "mention": text,
                "char_start": start,
                "char_end": end,
                "run_id": run_id,
            },
        )
    if audit_removed:
        for line in segments.dropped:
            tables.add(
                "removed",
                slug,
                {
                    "doc_id": doc_id,
                    "line_no": line.line_no + 1,
                    "text": line.text,
                    "stage": LINE_STAGE[line.reason],
                    "reason_code": line.reason,
                    "run_id": run_id,
                },
            )
    tables.add(
        "documents",
        slug,
        {
            "doc_id": doc_id,
            "source_uri": doc.file.uri,
            "content_sha256": doc.content_sha256,
            "source_name": doc.source,
            "title": segments.title,
            "published_date": segments.published_date,
            "language": doc.language,
            "body": doc.body,
            "n_paragraphs": len(segments.paragraphs),
            "n_sentences": n_sentences,
            "n_comments": len(segments.comments),
            "n_chars": len(doc.body),
            "n_dropped_lines": len(segments.dropped),
            "encoding": doc.encoding,
            "ingested_at": ingested_at,
            "run_id": run_id,
            "version": 1,  # publish counts up when the path has a published document already
        },
    )


def published_entry(doc) -> LedgerEntry:
    return LedgerEntry(doc.file.uri, doc.size, doc.content_sha256, schema.PUBLISHED, None, None, doc.doc_id, doc.text_sha256)


def drop_entries(doc, drop: Drop) -> tuple[LedgerEntry, dict]:
    """The ledger row and the quarantine record of a file the chain dropped."""
    digest = doc.content_sha256 or doc.file.content_sha256 or None
    size = doc.size if doc.content_sha256 else doc.file.size
    doc_id = doc.doc_id if drop.status == schema.QUARANTINED else None
    entry = LedgerEntry(doc.file.uri, size, digest, drop.status, drop.reason, drop.code, doc_id, doc.text_sha256)
    quarantine = {
        "source_uri": doc.file.uri,
        "content_sha256": digest,
        "doc_id": doc_id,
        "stage": drop.stage,
        "reason": drop.detail,
        "reason_code": drop.code,
        "text": doc.text,
    }
    return entry, quarantine


def write_accounts(folder: Path, ledger: list[LedgerEntry], quarantine: list[dict], run_id: str, ingested_at) -> None:
    """Stage the shard's ledger rows and quarantine records (flat; publish partitions them)."""
    stamp = {"run_id": run_id, "ingested_at": ingested_at}
    files = [{**dataclasses.asdict(e), **stamp} for e in ledger]
    write_parquet(pa.Table.from_pylist(files, schema=schema.FILES), folder / "files.parquet")
    rows = [{**q, **stamp} for q in quarantine]
    write_parquet(pa.Table.from_pylist(rows, schema=schema.QUARANTINE), folder / "quarantine.parquet")

"""Process one shard: decode → clean → segment → enrich, written as staged Parquet.

A shard is worked in two passes over a process pool, so every core is busy even
when Airflow runs tasks one after another. Pass one learns, per source, which
lines repeat across documents (the site's template); pass two cleans each
document against that template. Texts are read again rather than held, so memory
stays bounded by the chunk size, not by the shard. Staged files are already laid
out by source, so publishing moves files instead of rewriting them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import re
import shutil
from collections import Counter
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from textlake import schema
from textlake.clean import SourceProfile, Template
from textlake.config import PipelineConfig
from textlake.decode import RejectedInput, decode_bytes
from textlake.dedup import signature
from textlake.discover import InputFile, LedgerEntry, iter_chunks
from textlake.enrich import Gazetteer, content_sha256, detect_language, doc_id_for, infer_source, source_slug
from textlake.runtime import discard_pool, executor, give_back_memory
from textlake.schema import write_parquet
from textlake.segment import PageSegments, segment_page, sentence_spans

_REASON_HEAD = re.compile(r"[:(]")  # "no main text: 12 characters left…" is counted as "no main text"
SIGNATURES = pa.schema([("doc_id", pa.string()), ("signature", pa.binary())])
CHUNK_FILES = 64
CHUNK_BYTES = 8 << 20


@dataclasses.dataclass(frozen=True)
class RunContext:
    """What every worker needs to know about the run; small and picklable."""

    run_id: str
    ingested_at: dt.datetime
    config: PipelineConfig

    @property
    def ingest_date(self) -> str:
        return self.ingested_at.date().isoformat()


@dataclasses.dataclass
class ShardResult:
    shard_dir: str
    n_ledger: int
    profiles: dict[str, SourceProfile]  # learned in this shard, per source name
    counts: dict[str, int]

    def as_dict(self) -> dict:
        return {"shard_dir": self.shard_dir, "counts": self.counts, "n_ledger": self.n_ledger}


def read_bytes(f: InputFile, max_bytes: int, options: dict) -> bytes:
    with fsspec.open(f.uri, "rb", **options) as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise RejectedInput(f"file grew beyond max_file_mb ({max_bytes} bytes) after discovery")
    return data


def observe_chunk(files: list[InputFile], ctx: RunContext) -> dict[str, SourceProfile]:
    """Pass one: line statistics per source for this chunk of files."""
    profiles: dict[str, SourceProfile] = {}
    limit = int(ctx.config.max_file_mb * 1e6)
    for f in files:
        try:
            text = decode_bytes(read_bytes(f, limit, ctx.config.storage_options), f.relative, limit).text
        except (RejectedInput, OSError):
            continue  # pass two records why
        source = infer_source(f.relative, text, ctx.config.source_from)
        profiles.setdefault(source, SourceProfile()).observe(text)
    return profiles


@dataclasses.dataclass
class _Tables:
    """Column buffers for one chunk, per dataset and source slug."""

    columns: dict[tuple[str, str], dict[str, list]] = dataclasses.field(default_factory=dict)

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


@functools.lru_cache(maxsize=4)
def load_gazetteer(path: str | None) -> Gazetteer:
    """Once per worker process: the gazetteer compiles to one regular expression."""
    return Gazetteer.load(path) if path else Gazetteer([])


def document_rows(segments: PageSegments, ids: dict, run_id: str,
                  gazetteer: Gazetteer) -> tuple[dict, list[dict], list[dict], list[dict]]:
    """The document row and its segment, comment and mention rows (offsets into `body`)."""
    doc_id = ids["doc_id"]
    seg_rows: list[dict] = []

    def segment(kind: str, text: str, start: int | None = None, end: int | None = None, paragraph: int | None = None) -> None:
        seg_rows.append({"doc_id": doc_id, "seq": len(seg_rows), "kind": kind, "paragraph_seq": paragraph,
                         "text": text, "char_start": start, "char_end": end, "run_id": run_id})

    if segments.title:
        segment("title", segments.title)
    offset, n_sentences = 0, 0
    for p_seq, paragraph in enumerate(segments.paragraphs):
        if p_seq:
            offset += 2  # the blank line between paragraphs in `body`
        segment("paragraph", paragraph, offset, offset + len(paragraph), p_seq)
        for start, end in sentence_spans(paragraph):
            segment("sentence", paragraph[start:end], offset + start, offset + end, p_seq)
            n_sentences += 1
        offset += len(paragraph)
    comment_rows = []
    for c_seq, comment in enumerate(segments.comments):
        segment("comment", comment.text)
        comment_rows.append({"doc_id": doc_id, "comment_seq": c_seq, "author": comment.author,
                             "depth": comment.depth, "text": comment.text, "run_id": run_id})
    body = "\n\n".join(segments.paragraphs)
    mention_rows = [{"doc_id": doc_id, "entity_id": entity_id, "entity_name": name, "mention": text,
                     "char_start": start, "char_end": end, "run_id": run_id}
                    for entity_id, name, text, start, end in gazetteer.mentions(body)]
    document = {
        **ids,
        "title": segments.title,
        "published_date": segments.published_date,
        "language": detect_language(body),
        "body": body,
        "n_paragraphs": len(segments.paragraphs),
        "n_sentences": n_sentences,
        "n_comments": len(segments.comments),
        "n_chars": len(body),
        "n_dropped_lines": len(segments.dropped),
        "run_id": run_id,
    }
    return document, seg_rows, comment_rows, mention_rows


def segment_chunk(files: list[InputFile], templates: dict[str, Template], ctx: RunContext,
                  shard_dir: str, chunk_no: int) -> tuple[list[LedgerEntry], list[dict], dict[str, int]]:
    """Pass two: clean, segment and enrich each file; stage the rows; account for every file."""
    limit = int(ctx.config.max_file_mb * 1e6)
    tables = _Tables()
    ledger: list[LedgerEntry] = []
    quarantine: list[dict] = []
    trace: list[dict] = []
    signatures: list[dict] = []
    gazetteer = load_gazetteer(ctx.config.gazetteer)
    for f in files:
        try:
            data = read_bytes(f, limit, ctx.config.storage_options)
        except (OSError, RejectedInput) as exc:
            reason = getattr(exc, "reason", None) or f"unreadable: {type(exc).__name__}: {exc}"
            ledger.append(LedgerEntry(f.uri, f.size, f.content_sha256 or None, schema.REJECTED, reason, None))
            quarantine.append({"source_uri": f.uri, "content_sha256": f.content_sha256 or None, "doc_id": None,
                               "stage": "read", "reason": reason, "text": None})
            continue
        digest, size = content_sha256(data), len(data)
        doc_id = doc_id_for(digest)
        try:
            decoded = decode_bytes(data, f.relative, limit)
            del data  # only the text is needed from here on: a 25 MB page is not held twice
        except RejectedInput as exc:
            ledger.append(LedgerEntry(f.uri, size, digest, schema.REJECTED, f"decode: {exc.reason}", None))
            quarantine.append({"source_uri": f.uri, "content_sha256": digest, "doc_id": None,
                               "stage": "decode", "reason": exc.reason, "text": None})
            continue
        try:
            source = infer_source(f.relative, decoded.text, ctx.config.source_from)
            segments = segment_page(decoded.text, templates.get(source, Template()))
            ids = {"doc_id": doc_id, "source_uri": f.uri, "content_sha256": digest, "source_name": source,
                   "encoding": decoded.encoding + ("+repaired" if decoded.repaired else ""), "ingested_at": ctx.ingested_at}
            document, seg_rows, comment_rows, mention_rows = document_rows(segments, ids, ctx.run_id, gazetteer)
        except Exception as exc:  # one page the segmenter cannot handle must not sink the shard
            reason = f"internal error while segmenting: {type(exc).__name__}: {exc}"
            ledger.append(LedgerEntry(f.uri, size, digest, schema.QUARANTINED, f"segment: {reason}", doc_id))
            quarantine.append({"source_uri": f.uri, "content_sha256": digest, "doc_id": doc_id,
                               "stage": "segment", "reason": reason, "text": decoded.text})
            continue
        if ctx.config.debug_trace:
            trace.extend({"source_uri": f.uri, "doc_id": doc_id, "line_no": d.line_no, "reason": d.reason, "text": d.text}
                         for d in segments.dropped)
        if document["n_chars"] < ctx.config.min_body_chars:
            reason = f"no main text: {document['n_chars']} characters left after cleaning (min_body_chars={ctx.config.min_body_chars})"
            ledger.append(LedgerEntry(f.uri, size, digest, schema.QUARANTINED, f"clean: {reason}", doc_id))
            quarantine.append({"source_uri": f.uri, "content_sha256": digest, "doc_id": doc_id,
                               "stage": "clean", "reason": reason, "text": decoded.text})
            continue
        slug = source_slug(source)
        tables.add("documents", slug, document)
        for row in seg_rows:
            tables.add("segments", slug, row)
        for row in comment_rows:
            tables.add("comments", slug, row)
        for row in mention_rows:
            tables.add("mentions", slug, row)
        signatures.append({"doc_id": doc_id, "signature": signature(document["body"])})
        ledger.append(LedgerEntry(f.uri, size, digest, schema.PUBLISHED, None, doc_id))
    rows = tables.write(Path(shard_dir), f"part-{ctx.run_id}-{Path(shard_dir).name}-c{chunk_no:05d}.parquet")
    if signatures:  # for near-duplicate clustering at publish time; never published themselves
        (Path(shard_dir) / "signatures").mkdir(exist_ok=True)
        write_parquet(pa.Table.from_pylist(signatures, schema=SIGNATURES), Path(shard_dir) / "signatures" / f"c{chunk_no:05d}.parquet")
    if trace:
        trace_dir = Path(ctx.config.output) / "_debug" / ctx.run_id
        trace_dir.mkdir(parents=True, exist_ok=True)
        with open(trace_dir / f"dropped-{Path(shard_dir).name}-c{chunk_no:05d}.jsonl", "w", encoding="utf-8") as out:
            out.writelines(json.dumps(t, ensure_ascii=False) + "\n" for t in trace)
    give_back_memory()
    return ledger, quarantine, rows


def process_shard(files: list[InputFile], shard_dir: str, ctx: RunContext, known_profiles: dict[str, SourceProfile],
                  progress: Callable[[int], None] | None = None) -> ShardResult:
    """Run both passes over `files` with a process pool and stage the shard's datasets."""
    out = Path(shard_dir)
    if out.exists():  # a retried shard starts from nothing: staged files are rewritten, never appended
        shutil.rmtree(out)
    out.mkdir(parents=True)
    chunks = list(iter_chunks(files, CHUNK_FILES, CHUNK_BYTES))
    workers = min(ctx.config.worker_count, max(len(chunks), 1))
    learned: dict[str, SourceProfile] = {}
    ledger: list[LedgerEntry] = []
    quarantine: list[dict] = []
    counts = {"files": len(files), "bytes": sum(f.size for f in files)}
    pool = executor(workers, __name__)
    counts["processes"] = getattr(pool, "_max_workers", 1)
    try:
        for chunk_profiles in pool.map(observe_chunk, chunks, [ctx] * len(chunks)):
            for source, profile in chunk_profiles.items():
                learned.setdefault(source, SourceProfile()).merge(profile)
        templates = {}
        for source, profile in learned.items():
            combined = SourceProfile()
            combined.merge(profile)
            if source in known_profiles:
                combined.merge(known_profiles[source])
            templates[source] = combined.template(min_docs=ctx.config.template_min_docs)
        jobs = [(chunk, templates, ctx, shard_dir, n) for n, chunk in enumerate(chunks)]
        for chunk, (chunk_ledger, chunk_quarantine, rows) in zip(chunks, pool.map(_segment_job, jobs)):
            ledger.extend(chunk_ledger)
            quarantine.extend(chunk_quarantine)
            for dataset, n in rows.items():
                counts[dataset] = counts.get(dataset, 0) + n
            if progress:
                progress(len(chunk))
        leaves = [leaf for dataset in SORT_KEYS for leaf in sorted((out / dataset).glob("source=*"))]
        list(pool.map(merge_chunk_files, leaves, [SORT_KEYS[leaf.parent.name] for leaf in leaves],
                      [f"part-{ctx.run_id}-{out.name}"] * len(leaves)))
    except BrokenProcessPool:
        discard_pool(pool)  # a worker died (killed, out of memory): the retry starts a fresh pool
        raise
    write_accounts(out, ledger, quarantine, ctx)
    counts["dropped"] = dict(Counter(f"{q['stage']}: {_REASON_HEAD.split(q['reason'], 1)[0].strip()}" for q in quarantine))
    return ShardResult(shard_dir=str(out), n_ledger=len(ledger), profiles=learned, counts=counts)


# Within a file, rows sorted so that the filters analysts use most skip row groups.
SORT_KEYS = {
    "documents": [("language", "ascending"), ("doc_id", "ascending")],
    "segments": [("doc_id", "ascending"), ("seq", "ascending")],
    "comments": [("doc_id", "ascending"), ("comment_seq", "ascending")],
    "mentions": [("doc_id", "ascending"), ("char_start", "ascending")],
}
MERGE_BYTES = 8 << 20  # uncompressed bytes per merged file; bounds the memory of a merge


def merge_chunk_files(leaf: Path, sort_keys: list[tuple[str, str]], basename: str) -> None:
    """One sorted file per dataset and source per shard (in groups), instead of one per chunk.

    Chunks keep workers' memory small; readers want few files. Consecutive chunk files
    are merged in groups of at most MERGE_BYTES of uncompressed data, so a merge never
    holds more than that (twice, while sorting), however large the shard. Runs in the
    pool: leaves merge in parallel, and the memory is the workers', not the task's.
    """
    groups: list[list[Path]] = [[]]
    size = 0
    for chunk in sorted(leaf.glob("*-c*.parquet")):
        meta = pq.ParquetFile(chunk).metadata
        n = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if groups[-1] and size + n > MERGE_BYTES:
            groups.append([])
            size = 0
        groups[-1].append(chunk)
        size += n
    dataset = leaf.parent.name
    for n, group in enumerate(g for g in groups if g):
        table = pa.concat_tables([pq.read_table(p) for p in group]).sort_by(sort_keys)
        write_parquet(table, leaf / f"{basename}-{n:05d}.parquet", dataset)
        del table  # before the next group is read
        for path in group:
            path.unlink()
    give_back_memory()


def _segment_job(job: tuple) -> tuple[list[LedgerEntry], list[dict], dict[str, int]]:
    return segment_chunk(*job)


def write_accounts(folder: Path, ledger: list[LedgerEntry], quarantine: list[dict], ctx: RunContext) -> None:
    """Stage the shard's ledger rows and quarantine records (flat; publish partitions them)."""
    stamp = {"run_id": ctx.run_id, "ingested_at": ctx.ingested_at}
    files = [{**dataclasses.asdict(e), **stamp} for e in ledger]
    write_parquet(pa.Table.from_pylist(files, schema=schema.FILES), folder / "files.parquet")
    rows = [{**q, **stamp} for q in quarantine]
    write_parquet(pa.Table.from_pylist(rows, schema=schema.QUARANTINE), folder / "quarantine.parquet")

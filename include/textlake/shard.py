"""Process one shard: the document chain over its files, staged as Parquet with its statistics.

A shard is worked in two passes over a process pool (`textlake.runtime`), so every core
is busy even when Airflow runs tasks one after another. Pass one learns, per source,
which lines repeat across documents (the site's template); pass two runs every file
through the document chain (`textlake.chain`) against that template. Texts are read
again rather than held, so memory stays bounded by the chunk size, not by the shard.
Every step's counts travel back from the workers and are written beside the staged rows
(`stats.json`), to be merged into the run's manifest at publish.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from textlake.chain import Document, document_chain, learning_chain
from textlake.config import PipelineConfig
from textlake.discover import InputFile, LedgerEntry, iter_chunks
from textlake.enrich import infer_source, source_slug
from textlake.reasons import LINE_STAGE, Stage
from textlake.rows import SIGNATURES, ChunkTables, add_document, drop_entries, published_entry, write_accounts
from textlake.runtime import discard_pool, executor, give_back_memory
from textlake.schema import write_parquet
from textlake.steps import Drop, StepStats, merge_stats
from textlake.template import SourceProfile, Template

CHUNK_FILES = 64
CHUNK_BYTES = 8 << 20


@dataclasses.dataclass(frozen=True)
class RunContext:
    """What every worker needs to know about the run; small and picklable."""

    run_id: str
    ingested_at: dt.datetime
    config: PipelineConfig


@dataclasses.dataclass
class ShardResult:
    shard_dir: str
    profiles: dict[str, SourceProfile]  # learned in this shard, per source name
    counts: dict[str, int]
    steps: list[StepStats]

    def as_dict(self) -> dict:
        return {"shard_dir": self.shard_dir, "counts": self.counts, "steps": [s.as_dict() for s in self.steps]}


@dataclasses.dataclass
class _ChunkResult:
    ledger: list[LedgerEntry]
    quarantine: list[dict]
    rows: dict[str, int]
    steps: list[dict]
    removals: Counter  # (source slug, stage, reason code, "documents" | "lines") -> count


def observe_chunk(files: list[InputFile], ctx: RunContext) -> tuple[dict[str, SourceProfile], StepStats]:
    """Pass one: line statistics per source for this chunk of files (pass two accounts for failures)."""
    chain = learning_chain(ctx.config)
    learn = StepStats("learn", Stage.CLEAN)
    started = time.process_time()
    profiles: dict[str, SourceProfile] = {}
    for f in files:
        learn.docs_in += 1
        doc = chain.run(Document(f))
        if isinstance(doc, Drop):
            learn.dropped[doc.code] += 1
            continue
        learn.docs_out += 1
        profiles.setdefault(doc.source, SourceProfile()).observe(doc.text)
    learn.cpu_seconds = time.process_time() - started
    return profiles, learn


def segment_chunk(
    files: list[InputFile], templates: dict[str, Template], ctx: RunContext, shard_dir: str, chunk_no: int
) -> _ChunkResult:
    """Pass two: every file through the document chain; stage the rows; account for every file."""
    chain = document_chain(ctx.config, templates)
    tables = ChunkTables()
    ledger: list[LedgerEntry] = []
    quarantine: list[dict] = []
    signatures: list[dict] = []
    removals: Counter = Counter()
    for f in files:
        doc = Document(f)
        result = chain.run(doc)
        if isinstance(result, Drop):
            entry, record = drop_entries(doc, result)
            ledger.append(entry)
            quarantine.append(record)
            source = doc.source or infer_source(f.relative, "", ctx.config.source_from)
            removals[(source_slug(source), result.stage, result.code, "documents")] += 1
            continue
        add_document(tables, result, ctx.run_id, ctx.ingested_at, ctx.config.audit_removed)
        signatures.append({"doc_id": result.doc_id, "signature": result.signature})
        ledger.append(published_entry(result))
        slug = source_slug(result.source)
        removals.update((slug, LINE_STAGE[line.reason], line.reason, "lines") for line in result.segments.dropped)
    rows = tables.write(Path(shard_dir), f"part-{ctx.run_id}-{Path(shard_dir).name}-c{chunk_no:05d}.parquet")
    if signatures:  # for near-duplicate clustering at publish time; never published themselves
        (Path(shard_dir) / "signatures").mkdir(exist_ok=True)
        write_parquet(
            pa.Table.from_pylist(signatures, schema=SIGNATURES), Path(shard_dir) / "signatures" / f"c{chunk_no:05d}.parquet"
        )
    give_back_memory()
    return _ChunkResult(ledger, quarantine, rows, [s.as_dict() for s in chain.stats()], removals)


def process_shard(
    files: list[InputFile],
    shard_dir: str,
    ctx: RunContext,
    known_profiles: dict[str, SourceProfile],
    progress: Callable[[int], None] | None = None,
) -> ShardResult:
    """Run both passes over `files` with a process pool and stage the shard's datasets and statistics."""
    out = Path(shard_dir)
    if out.exists():  # a retried shard starts from nothing: staged files are rewritten, never appended
        shutil.rmtree(out)
    out.mkdir(parents=True)
    chunks = list(iter_chunks(files, CHUNK_FILES, CHUNK_BYTES))
    workers = min(ctx.config.worker_count, max(len(chunks), 1))
    learned: dict[str, SourceProfile] = {}
    ledger: list[LedgerEntry] = []
    quarantine: list[dict] = []
    counts: dict = {"files": len(files), "bytes": sum(f.size for f in files)}
    learn_stats: list[StepStats] = []
    chunk_steps: list[list[dict]] = []
    removals: Counter = Counter()
    pool = executor(workers, __name__)
    counts["processes"] = getattr(pool, "_max_workers", 1)
    try:
        for chunk_profiles, learn in pool.map(observe_chunk, chunks, [ctx] * len(chunks)):
            learn_stats.append(learn)
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
        for chunk, result in zip(chunks, pool.map(_segment_job, jobs), strict=True):
            ledger.extend(result.ledger)
            quarantine.extend(result.quarantine)
            chunk_steps.append(result.steps)
            removals.update(result.removals)
            for dataset, n in result.rows.items():
                counts[dataset] = counts.get(dataset, 0) + n
            if progress:
                progress(len(chunk))
        leaves = [leaf for dataset in SORT_KEYS for leaf in sorted((out / dataset).glob("source=*"))]
        list(
            pool.map(
                merge_chunk_files,
                leaves,
                [SORT_KEYS[leaf.parent.name] for leaf in leaves],
                [f"part-{ctx.run_id}-{out.name}"] * len(leaves),
            )
        )
    except BrokenProcessPool:
        discard_pool(pool)  # a worker died (killed, out of memory): the retry starts a fresh pool
        raise
    write_accounts(out, ledger, quarantine, ctx.run_id, ctx.ingested_at)
    steps = merge_stats([learn_stats, *chunk_steps]) if files else []
    write_stats(out, steps, removals)
    return ShardResult(shard_dir=str(out), profiles=learned, counts=counts, steps=steps)


def write_stats(shard_dir: Path, steps: list[StepStats], removals: Counter) -> None:
    """The shard's step statistics and removals per source, for the run's manifest."""
    rows = [
        {"source": s, "stage": stage, "reason_code": code, "unit": unit, "count": n}
        for (s, stage, code, unit), n in sorted(removals.items())
    ]
    (shard_dir / "stats.json").write_text(json.dumps({"steps": [s.as_dict() for s in steps], "removals": rows}))


# Within a file, rows sorted so that the filters analysts use most skip row groups.
SORT_KEYS = {
    "documents": [("language", "ascending"), ("doc_id", "ascending")],
    "segments": [("doc_id", "ascending"), ("seq", "ascending")],
    "comments": [("doc_id", "ascending"), ("comment_seq", "ascending")],
    "mentions": [("doc_id", "ascending"), ("char_start", "ascending")],
    "removed": [("doc_id", "ascending"), ("line_no", "ascending")],
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


def _segment_job(job: tuple) -> _ChunkResult:
    return segment_chunk(*job)

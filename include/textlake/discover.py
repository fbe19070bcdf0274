"""Find input files, account for every one of them, and plan shards by bytes.

Each matching file ends in exactly one of three places: a shard (new content), the
ledger as a duplicate of content already ingested, or the ledger as rejected
(a link, an unreadable or oversized file). Files whose (path, content) pair the
ledger already holds are skipped, so a rerun adds nothing twice.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import fsspec
from fsspec.implementations.local import LocalFileSystem

from textlake.enrich import doc_id_for
from textlake.reasons import Reason
from textlake.schema import DUPLICATE, PUBLISHED, REJECTED

_HASH_CHUNK = 1 << 20


@dataclasses.dataclass(frozen=True)
class InputFile:
    uri: str  # as recorded in the ledger's `source_uri`
    relative: str  # path below the input root, POSIX separators
    size: int
    content_sha256: str = ""
    modified: float = 0.0  # seconds since the epoch, as the file system or object store reports it


# What copy tools, browsers and uploaders name a file while they are still writing it.
_UNFINISHED_RE = re.compile(r"(?:\.(?:part|partial|tmp|temp|crdownload|download|filepart|swp)|~|_COPYING_)$|^\.", re.I)


def settled(files: list[InputFile], settle_seconds: float, now: float) -> tuple[list[InputFile], list[InputFile]]:
    """(files to take, files still being written): a temporary or hidden name, or younger than `settle_seconds`.

    A file copied into the landing folder while a run lists it would otherwise be ingested half
    written, and the whole file published again later as another document. Waiting files get no
    ledger row: the next run sees them again.
    """
    ready, waiting = [], []
    for f in files:
        name = f.relative.rsplit("/", 1)[-1]
        young = settle_seconds > 0 and now - f.modified < settle_seconds
        (waiting if young or _UNFINISHED_RE.search(name) else ready).append(f)
    return ready, waiting


@dataclasses.dataclass(frozen=True)
class LedgerEntry:
    """One row of the `files` dataset; provisional until the run publishes it."""

    source_uri: str
    size_bytes: int
    content_sha256: str | None
    status: str
    reason: str | None
    reason_code: str | None
    doc_id: str | None
    text_sha256: str | None = None  # of the decoded text, once a shard has decoded it


@dataclasses.dataclass
class Plan:
    shards: list[list[InputFile]]
    accounted: list[LedgerEntry]  # duplicates and rejections settled at discovery
    skipped_known: int  # already in the ledger with the same content


def pattern_regex(patterns: Iterable[str]) -> re.Pattern[str]:
    """Glob patterns (`**/` spans folders, `*` stays within one) as one anchored regex."""
    parts = []
    for pattern in patterns:
        out, i = [], 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                out.append("(?:.*/)?")
                i += 3
            elif pattern.startswith("**", i):
                out.append(".*")
                i += 2
            elif pattern[i] == "*":
                out.append("[^/]*")
                i += 1
            elif pattern[i] == "?":
                out.append("[^/]")
                i += 1
            else:
                out.append(re.escape(pattern[i]))
                i += 1
        parts.append("".join(out))
    return re.compile("^(?:" + "|".join(parts) + ")$")


def list_inputs(
    root: str, patterns: Iterable[str], exclude: str | None = None, options: dict | None = None
) -> tuple[list[InputFile], list[LedgerEntry]]:
    """Matching files under `root` (sorted), and the links found, rejected unfollowed.

    `options` are fsspec storage options (endpoint, credentials) for object stores.
    """
    matcher = pattern_regex(patterns)
    fs, base = fsspec.core.url_to_fs(root, **(options or {}))
    if isinstance(fs, LocalFileSystem):
        return _list_local(Path(base), matcher, Path(exclude) if exclude and "://" not in exclude else None)
    files = []
    for path, info in sorted(fs.find(base, detail=True).items()):
        relative = path[len(base.rstrip("/")) + 1 :]
        if info.get("type") == "file" and matcher.match(relative):
            files.append(
                InputFile(
                    uri=fs.unstrip_protocol(path),
                    relative=relative,
                    size=int(info.get("size") or 0),
                    modified=_modified(info),
                )
            )
    return files, []


def _list_local(base: Path, matcher: re.Pattern[str], exclude: Path | None) -> tuple[list[InputFile], list[LedgerEntry]]:
    if not base.is_dir():
        raise FileNotFoundError(f"input folder does not exist: {base}")
    base = base.resolve()
    files: list[InputFile] = []
    links: list[LedgerEntry] = []
    for folder, dirnames, filenames in os.walk(base, followlinks=False):
        here = Path(folder)
        if exclude is not None and (here == exclude or exclude in here.parents):
            dirnames[:] = []
            continue
        dirnames.sort()
        for name in [*filenames, *(d for d in dirnames if (here / d).is_symlink())]:
            path = here / name
            relative = path.relative_to(base).as_posix()
            if not matcher.match(relative) and not path.is_symlink():
                continue
            if path.is_symlink():
                if matcher.match(relative):
                    target = Path(os.path.realpath(path))
                    where = "inside" if base in target.parents else "outside"
                    links.append(
                        LedgerEntry(
                            str(path),
                            0,
                            None,
                            REJECTED,
                            f"symbolic link to {where} the input root: links are never followed",
                            Reason.SYMLINK,
                            None,
                        )
                    )
                continue
            stat = path.stat()
            files.append(InputFile(uri=str(path), relative=relative, size=stat.st_size, modified=stat.st_mtime))
    files.sort(key=lambda f: f.relative)
    return files, links


def _modified(info: dict) -> float:
    """An object's modification time from fsspec's listing (S3: LastModified, GCS: updated, local: mtime)."""
    value = info.get("LastModified") or info.get("mtime") or info.get("updated") or info.get("last_modified")
    if value is None:
        return 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return value.timestamp()


def sha256_of(uri: str, options: dict | None = None) -> str:
    digest = hashlib.sha256()
    with fsspec.open(uri, "rb", **(options or {})) as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


Lookup = Callable[[set[str]], tuple[dict[str, tuple[str, str | None, str | None]], set[tuple[str, str]]]]


def plan_run(
    files: list[InputFile],
    lookup: Lookup,
    shard_target_bytes: int,
    max_shards: int,
    max_file_bytes: int,
    threads: int = 8,
    options: dict | None = None,
) -> Plan:
    """Hash, settle duplicates and oversize files, cut the rest into byte-balanced shards.

    `lookup` is asked, once the files are hashed, what the ledger says about those hashes:
    `known` maps each hash it holds to (status, doc_id, source_uri), `seen` holds the
    (source_uri, content hash) pairs it accounts for. Asking about this run's hashes only
    keeps the ledger's history out of memory.
    """
    accounted: list[LedgerEntry] = []
    small = [f for f in files if f.size <= max_file_bytes]
    for f in files:
        if f.size > max_file_bytes:
            accounted.append(
                LedgerEntry(
                    f.uri,
                    f.size,
                    None,
                    REJECTED,
                    f"file of {f.size} bytes exceeds max_file_mb ({max_file_bytes} bytes)",
                    Reason.TOO_LARGE,
                    None,
                )
            )
    with ThreadPoolExecutor(max_workers=threads) as pool:
        hashed = list(pool.map(_hash_or_error, small, [options] * len(small)))
    known, seen = lookup({digest for digest, error in hashed if not error})
    fresh: list[InputFile] = []
    first_in_run: dict[str, InputFile] = {}
    skipped = 0
    for f, (digest, error) in zip(small, hashed, strict=True):
        if error:
            accounted.append(LedgerEntry(f.uri, f.size, None, REJECTED, f"unreadable: {error}", Reason.UNREADABLE, None))
            continue
        if (f.uri, digest) in seen:
            skipped += 1
            continue
        if digest in known:  # the ledger holds this content under another name: this file takes its status
            status, doc_id, original = known[digest]
            earlier = "already published" if status == PUBLISHED else f"{status} earlier"
            accounted.append(
                _same_content(f, digest, DUPLICATE if status == PUBLISHED else status, f"{original}, {earlier}", doc_id)
            )
            continue
        if f.size and digest in first_in_run:
            accounted.append(_same_content(f, digest, DUPLICATE, f"{first_in_run[digest].uri} in this run", doc_id_for(digest)))
            continue
        first_in_run[digest] = f
        fresh.append(dataclasses.replace(f, content_sha256=digest))
    return Plan(shards=cut_shards(fresh, shard_target_bytes, max_shards), accounted=accounted, skipped_known=skipped)


def _same_content(f: InputFile, digest: str, status: str, original: str, doc_id: str | None) -> LedgerEntry:
    return LedgerEntry(f.uri, f.size, digest, status, f"same content as {original}", Reason.DUPLICATE_CONTENT, doc_id)


def _hash_or_error(f: InputFile, options: dict | None) -> tuple[str, str | None]:
    try:
        return sha256_of(f.uri, options), None
    except OSError as exc:
        return "", f"{type(exc).__name__}: {exc}"


def cut_shards(files: list[InputFile], target_bytes: int, max_shards: int) -> list[list[InputFile]]:
    """Contiguous runs of the path-sorted files (a source's files stay together) of about `target_bytes`."""
    if not files:
        return []
    total = sum(f.size for f in files)
    target = max(target_bytes, -(-total // max_shards))
    shards: list[list[InputFile]] = [[]]
    filled = 0
    for f in files:
        if shards[-1] and filled + f.size > target:
            shards.append([])
            filled = 0
        shards[-1].append(f)
        filled += f.size
    return shards


def iter_chunks(files: list[InputFile], max_files: int, max_bytes: int) -> Iterator[list[InputFile]]:
    """Work units for the process pool: small enough to balance, large enough to amortise IPC."""
    chunk: list[InputFile] = []
    filled = 0
    for f in files:
        if chunk and (len(chunk) >= max_files or filled + f.size > max_bytes):
            yield chunk
            chunk, filled = [], 0
        chunk.append(f)
        filled += f.size
    if chunk:
        yield chunk

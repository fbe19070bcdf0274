"""A source's template: the lines its pages repeat, learned across documents and runs.

Menus, footers and widgets repeat on every page of a site while article text does not,
so counting each line once per document (under a key that ignores dates, counters and
presentation) finds the template without any per-site rule. What a run learns is
persisted per source and folded into what earlier runs learned, so a source's template
keeps improving run after run.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from textlake.enrich import source_slug
from textlake.schema import replace_parquet

_DIGIT_RE = re.compile(r"\d+")
_EDGE_CHARS = " \t\u00a0_" + "!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~" + "•·◦▪►»«›‹“”‘’„–—…¦©®™§¶°"
_KEY_MAX = 160


def line_key(line: str) -> str:
    """Key under which the same boilerplate line matches across documents.

    Dates, counters and prices change from page to page while the widget around
    them does not, so every run of digits collapses to one 0 ("12 comments" and
    "3 comments" share a key); bullets, case and edge punctuation are
    presentation, not identity.
    """
    key = " ".join(line.split()).casefold()
    if not key.isalpha():
        key = _DIGIT_RE.sub("0", key).strip(_EDGE_CHARS)
    return key[:_KEY_MAX]


def key_hash(key: str) -> int:
    """A line key as 64 bits, the same in every process and run.

    Profiles hold hundreds of thousands of keys per source; as integers they cost a
    tenth of the strings to keep, merge, persist and ship between processes.
    Python's own ``hash`` is salted per process, so it cannot serve.
    """
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class Template:
    """The line keys a source repeats on its pages, tested by membership like a set of keys."""

    hashes: frozenset[int] = frozenset()

    def __contains__(self, key: str) -> bool:
        return bool(self.hashes) and key_hash(key) in self.hashes

    def __len__(self) -> int:
        return len(self.hashes)


class SourceProfile:
    """How often each line key occurs across the documents of one source.

    Menus, footers and widgets repeat on every page of a site while article text
    does not; counting each key once per document makes the share of documents a
    direct measure of "this line is the site's template". Keys are held as sorted
    64-bit hashes with counts (16 bytes a key), so a shard's or a source's whole
    history fits in a few megabytes.
    """

    PRUNE_AT = 200_000
    _PENDING_MAX = 100_000

    def __init__(
        self, n_docs: int = 0, keys: np.ndarray | None = None, counts: np.ndarray | None = None, pages: np.ndarray | None = None
    ) -> None:
        self.n_docs = n_docs
        self._keys = np.empty(0, np.uint64) if keys is None else np.asarray(keys, np.uint64)
        self._counts = np.empty(0, np.uint32) if counts is None else np.asarray(counts, np.uint32)
        self._pending: list[int] = []
        # fingerprints of the pages already counted: a copy of a page teaches nothing about the template
        self._pages: set[int] = set() if pages is None else set(np.asarray(pages, np.uint64).tolist())

    def observe(self, text: str) -> None:
        """Count a page's line keys once, unless the source already has a copy of it."""
        keys = {line_key(ln) for ln in text.split("\n")}
        keys.discard("")
        fingerprint = page_fingerprint(keys)
        if fingerprint in self._pages:
            return
        self._pages.add(fingerprint)
        self.n_docs += 1
        self._pending.extend(key_hash(k) for k in keys)
        if len(self._pending) > self._PENDING_MAX:
            self.counts()
            self.prune()

    def prune(self) -> None:
        """Forget keys seen once when there are too many to keep.

        A key seen once can never become template on its own; forgetting it bounds the
        memory and the persisted size of huge sources at the cost of a slightly late start.
        """
        if len(self._keys) > self.PRUNE_AT:
            frequent = self._counts > 1
            self._keys, self._counts = self._keys[frequent], self._counts[frequent]

    def _fold(self, keys: np.ndarray, counts: np.ndarray) -> None:
        merged, where = np.unique(np.concatenate([self._keys, keys]), return_inverse=True)
        totals = np.bincount(where, weights=np.concatenate([self._counts, counts]), minlength=len(merged))
        self._keys, self._counts = merged, totals.astype(np.uint32)

    def counts(self) -> tuple[np.ndarray, np.ndarray]:
        """(sorted key hashes, documents per key)."""
        if self._pending:
            self._fold(np.array(self._pending, np.uint64), np.ones(len(self._pending), np.uint32))
            self._pending = []
        return self._keys, self._counts

    def template(self, min_docs: int = 2, min_share: float = 0.3) -> Template:
        """Keys frequent enough to be the source's page template.

        Two different articles almost never share a verbatim line, so two documents
        are enough evidence for a small source; the share keeps rotating sidebar
        teasers of a large source out.  ``min_docs`` is floored at 2 so a single
        document can never declare its own lines boilerplate.
        """
        floor = max(2, min_docs, int(min_share * self.n_docs + 0.999999))
        keys, counts = self.counts()
        return Template(frozenset(keys[counts >= floor].tolist()))

    def merge(self, other: SourceProfile) -> None:
        """Fold in another shard's or run's counts; pages both have counted stay counted once.

        A copy that reached two shards of one run is counted in both (each shard learns
        alone); from then on the fingerprints keep it from being counted again.
        """
        keys, counts = other.counts()
        self.counts()
        self.n_docs += other.n_docs
        self._fold(keys, counts)
        self._pages |= other._pages

    @property
    def pages(self) -> np.ndarray:
        return np.array(sorted(self._pages), np.uint64)

    def __getstate__(self) -> dict:
        self.counts()
        return {"n_docs": self.n_docs, "keys": self._keys, "counts": self._counts, "pages": self.pages}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["n_docs"], state["keys"], state["counts"], state.get("pages"))


_FINGERPRINT_LINES = 3


def page_fingerprint(keys: set[str]) -> int:
    """A page's identity for template learning: its longest lines, which are its own text.

    Exact copies (the same file again, with CRLF or a BOM, compressed or not) and re-posts
    under another template share their longest lines, while two different articles of a
    site almost never share even one.
    """
    longest = sorted(keys, key=lambda k: (-len(k), k))[:_FINGERPRINT_LINES]
    return key_hash("\n".join(sorted(longest)))


def write_profiles(folder: Path, profiles: dict[str, SourceProfile]) -> None:
    """One Parquet file per source: (key hash, documents), the source and its document count in the metadata."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pages").mkdir(exist_ok=True)
    for source, profile in profiles.items():
        keys, counts = profile.counts()
        table = pa.table({"key": keys, "docs": counts}).replace_schema_metadata({"source": source, "n_docs": str(profile.n_docs)})
        replace_parquet(table, folder / f"{source_slug(source)}.parquet")
        replace_parquet(pa.table({"page": profile.pages}), folder / "pages" / f"{source_slug(source)}.parquet")


def read_profiles(folder: Path) -> dict[str, SourceProfile]:
    """The profiles `write_profiles` wrote, with the fingerprints of the pages they counted."""
    profiles = {}
    for path in sorted(folder.glob("*.parquet")):
        table = pq.read_table(path)
        meta = table.schema.metadata
        pages = folder / "pages" / path.name
        profiles[meta[b"source"].decode()] = SourceProfile(
            int(meta[b"n_docs"]),
            table["key"].to_numpy(),
            table["docs"].to_numpy(),
            pq.read_table(pages)["page"].to_numpy() if pages.exists() else None,
        )
    return profiles

"""Near-duplicate clusters: MinHash signatures per document, LSH across everything published.

Syndicated and lightly edited copies of one article are common in web crawls;
analysts want to count a story once. Signatures are computed in the shard workers
(word 5-gram shingles, 64 permutations); clusters are assigned at publish time,
under the publish lock, against the persisted bands of every published document
(one state file per run, streamed rather than loaded), so cluster ids are stable: a
document keeps the id it got, and a later copy joins it.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from textlake.schema import replace_parquet

NUM_PERM = 64
SCHEME = "affine32"  # 32-bit shingle hashes (crc32); stored signatures depend on it
THRESHOLD = 0.8  # estimated Jaccard similarity of 5-gram sets above which two documents are one story
_WORD = re.compile(r"\w+")
# LSH banding, as datasketch's MinHashLSH chooses it for THRESHOLD and NUM_PERM.
BANDS, ROWS = 5, 11
BAND_COLUMNS = [f"band_{j}" for j in range(BANDS)]
STATE_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("cluster", pa.string()),
        ("signature", pa.binary()),
        *[(name, pa.uint64()) for name in BAND_COLUMNS],
    ]
)


# datasketch's affine32 permutations for seed 1 (odd a, any b), drawn once: a MinHash draws
# them anew on construction, and importing datasketch would bring scipy and pandas into every worker.
_DRAW = np.random.RandomState(1)
_PERM_A = _DRAW.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
_PERM_B = _DRAW.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
# ASCII bytes outside \w become spaces, so split() yields the same words as _WORD on an ASCII body.
_ASCII_NON_WORD = bytes(b if chr(b).isalnum() or b == ord("_") else ord(" ") for b in range(128)) + b" " * 128
_SHINGLE_BLOCK = 1 << 14  # shingles permuted at a time: bounds the temporary array for huge bodies


def _fmix32(hashes: np.ndarray) -> np.ndarray:
    """datasketch's affine32 pre-mix of the input hashes (the MurmurHash3 finalizer, wrapping in uint32)."""
    hashes = hashes ^ (hashes >> np.uint32(16))
    hashes = hashes * np.uint32(0x85EBCA6B)
    hashes = hashes ^ (hashes >> np.uint32(13))
    hashes = hashes * np.uint32(0xC2B2AE35)
    return hashes ^ (hashes >> np.uint32(16))


def signature(body: str) -> bytes:
    """The document's MinHash as bytes (64 × uint32), picklable and storable.

    Stored signatures must not change, so this is exactly datasketch's affine32
    MinHash (crc32, seed 1) of the word 5-gram shingles, computed without a
    MinHash object: constructing one per document redraws its permutations,
    a large part of the cost. Shingles are not deduplicated, as a repeated
    shingle cannot change a minimum.
    """
    if body.isascii():
        words = body.lower().encode("ascii").translate(_ASCII_NON_WORD).split()
    else:
        words = " ".join(_WORD.findall(body.lower())).encode().split(b" ")
    if len(words) < 5:
        hashes = np.array([zlib.crc32(b" ".join(words))], dtype=np.uint32)
    else:
        shingles = map(b" ".join, zip(words, words[1:], words[2:], words[3:], words[4:], strict=False))
        hashes = np.fromiter(map(zlib.crc32, shingles), dtype=np.uint32, count=len(words) - 4)
    mixed = _fmix32(hashes)[:, None]
    return np.minimum.reduce(
        [(mixed[i : i + _SHINGLE_BLOCK] * _PERM_A + _PERM_B).min(axis=0) for i in range(0, len(mixed), _SHINGLE_BLOCK)]
    ).tobytes()


def band_keys(sig: bytes) -> list[int]:
    """The signature's LSH bands, each as a 64-bit key: two documents are candidates when one key is equal."""
    width = 4 * ROWS
    return [
        int.from_bytes(hashlib.blake2b(sig[j * width : (j + 1) * width], digest_size=8).digest(), "little") for j in range(BANDS)
    ]


def assign_clusters(state_dir: Path, run_id: str, new: dict[str, bytes]) -> dict[str, str]:
    """Cluster ids for the new documents; the run's state file records them (atomically replaced).

    A document joins the cluster of its most similar earlier neighbours (the smallest
    cluster id among LSH candidates, for determinism) or starts its own, named after
    itself. A document already in the state (a retried publish) keeps its cluster.
    """
    bands = {doc_id: band_keys(sig) for doc_id, sig in new.items()}
    earlier, known = _scan_state(state_dir, bands)
    assigned: dict[str, str] = {}
    for doc_id in sorted(new):
        if doc_id in known:
            assigned[doc_id] = known[doc_id]
            continue
        keys = list(enumerate(bands[doc_id]))
        neighbours = [earlier[key] for key in keys if key in earlier]
        cluster = assigned[doc_id] = min(neighbours) if neighbours else doc_id
        for key in keys:
            earlier[key] = min(earlier.get(key, cluster), cluster)
    rows = [
        {"doc_id": d, "cluster": assigned[d], "signature": new[d], **dict(zip(BAND_COLUMNS, bands[d], strict=True))}
        for d in sorted(new)
    ]
    state_dir.mkdir(parents=True, exist_ok=True)
    replace_parquet(pa.Table.from_pylist(rows, schema=STATE_SCHEMA), state_dir / f"{run_id}.parquet")
    return assigned


def _scan_state(state_dir: Path, bands: dict[str, list[int]]) -> tuple[dict[tuple[int, int], str], dict[str, str]]:
    """Stream the published state once, keeping only what touches the new documents.

    Returns the smallest cluster id per (band, key) the new documents hold, and the
    clusters of new documents published before. Memory follows the run, not the history.
    """
    earlier: dict[tuple[int, int], str] = {}
    known: dict[str, str] = {}
    files = sorted(state_dir.glob("*.parquet")) if state_dir.exists() else []
    if not files or not bands:
        return earlier, known
    wanted = [pa.array(sorted({keys[j] for keys in bands.values()}), pa.uint64()) for j in range(BANDS)]
    ids = pa.array(sorted(bands), pa.string())
    columns = ["doc_id", "cluster", *BAND_COLUMNS]
    for batch in (b for path in files for b in pq.ParquetFile(path).iter_batches(columns=columns)):
        for j, column in enumerate(BAND_COLUMNS):
            hits = batch.filter(pc.is_in(batch[column], value_set=wanted[j]))
            for key, cluster in zip(hits[column].to_pylist(), hits["cluster"].to_pylist(), strict=True):
                earlier[(j, key)] = min(earlier.get((j, key), cluster), cluster)
        hits = batch.filter(pc.is_in(batch["doc_id"], value_set=ids))
        known.update(zip(hits["doc_id"].to_pylist(), hits["cluster"].to_pylist(), strict=True))
    return earlier, known

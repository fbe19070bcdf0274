"""Near-duplicate clusters: MinHash signatures per document, LSH across everything published.

Syndicated and lightly edited copies of one article are common in web crawls;
analysts want to count a story once. Signatures are computed in the shard workers
(word 5-gram shingles, 64 permutations); clusters are assigned at publish time,
under the publish lock, against a persisted index of every published document, so
cluster ids are stable: a document keeps the id it got, and a later copy joins it.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from datasketch import LeanMinHash, MinHash, MinHashLSH

NUM_PERM = 64
SCHEME = "affine32"  # 32-bit shingle hashes (crc32); stored signatures depend on it
THRESHOLD = 0.8  # estimated Jaccard similarity of 5-gram sets above which two documents are one story
_WORD = re.compile(r"\w+")
STATE_SCHEMA = pa.schema([("doc_id", pa.string()), ("cluster", pa.string()), ("signature", pa.binary())])


def signature(body: str) -> bytes:
    """The document's MinHash as bytes (64 × uint32), picklable and storable."""
    words = _WORD.findall(body.lower())
    shingles = {" ".join(words[i:i + 5]).encode() for i in range(max(1, len(words) - 4))}
    minhash = MinHash(num_perm=NUM_PERM, hashfunc=zlib.crc32, seed=1, scheme=SCHEME)
    minhash.update_batch(list(shingles))
    return minhash.hashvalues.astype(np.uint32).tobytes()


def _lean(sig: bytes) -> LeanMinHash:
    return LeanMinHash(seed=1, hashvalues=np.frombuffer(sig, dtype=np.uint32), scheme=SCHEME)


def assign_clusters(state_path: Path, new: dict[str, bytes]) -> dict[str, str]:
    """Cluster ids for the new documents; the state file gains them (atomically replaced).

    A document joins the cluster of its most similar earlier neighbours (the smallest
    cluster id among LSH candidates, for determinism) or starts its own, named after itself.
    """
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    clusters: dict[str, str] = {}
    old = pq.read_table(state_path).to_pylist() if state_path.exists() else []
    for row in old:
        lsh.insert(row["doc_id"], _lean(row["signature"]))
        clusters[row["doc_id"]] = row["cluster"]
    assigned: dict[str, str] = {}
    for doc_id in sorted(new):
        if doc_id in clusters:  # published before under this id (a retried publish)
            assigned[doc_id] = clusters[doc_id]
            continue
        minhash = _lean(new[doc_id])
        neighbours = [clusters[c] for c in lsh.query(minhash)]
        clusters[doc_id] = assigned[doc_id] = min(neighbours) if neighbours else doc_id
        lsh.insert(doc_id, minhash)
        old.append({"doc_id": doc_id, "cluster": assigned[doc_id], "signature": new[doc_id]})
    state_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = state_path.with_suffix(".tmp")
    pq.write_table(pa.Table.from_pylist(old, schema=STATE_SCHEMA), tmp)
    tmp.replace(state_path)
    return assigned

"""The benchmark's real-page corpus: recombined dev-split pages, every file different, by host."""

from __future__ import annotations

import gzip
import hashlib
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))
SHARED = BENCH.parent.parent / "shared" / "bench"


@pytest.mark.skipif(not (SHARED / "webtext-dev").is_dir(), reason="the dev gold sets are expected in ../shared/bench")
def test_real_pages_are_recombined_real_lines_in_host_folders(tmp_path):
    from realpages import write_real_corpus

    counts = write_real_corpus(tmp_path, 2, seed=3)
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert len(files) == counts["files"] and counts["bytes"] >= 2_000_000
    texts = [gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes() for p in files]
    assert sum(len(t) for t in texts) == counts["bytes"]
    assert len({hashlib.sha256(t).digest() for t in texts}) == len(texts)  # no file is a copy of another
    assert any(p.suffix == ".gz" for p in files) and len({p.parent for p in files}) > 50
    source = {
        line
        for folder in ("webtext-dev", "trafeval-dev")
        for f in (SHARED / folder).glob("*.txt")
        for line in f.read_text().split("\n")
    }
    sample = texts[0].decode("utf-8").split("\n")
    assert all(line in source for line in sample)  # real lines only
    assert write_real_corpus(tmp_path / "again", 2, seed=3) == counts  # the same seed, the same corpus

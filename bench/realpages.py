"""A corpus of real pages at any size: the dev-split pages of `../shared/bench`, recombined.

The benchmark's synthetic pages are easy (datatrove's filters reject most of them early), so
throughput is also measured on real pages. There are only about 1,000 of those, and copies would
be skipped as duplicates, so every written page joins the start of one real page (its header,
headline and the first part of its text, cut somewhere between 30 and 70 % of its lines) to the end
of another (more text, the footer, the comments): real lines, real lengths, real languages. Pages land in one
folder per web host, as a crawl's would, so sources and their templates are learned as in a real
run. The corpus is written to a temporary folder, never into the repository.
"""

from __future__ import annotations

import gzip
import random
import re
from pathlib import Path

from goldsets import TRAFEVAL, WEBTEXT, load

MB = 1_000_000
GZIP_EVERY = 10  # one page in ten arrives compressed


def write_real_corpus(out: Path, size_mb: float, seed: int = 0) -> dict:
    """Write recombined real pages to `out` until `size_mb` MB of text; returns files and bytes."""
    pages = [page for folder in (WEBTEXT, TRAFEVAL) for page in load(folder)]
    halves = [(page.host, page.text.split("\n")) for page in pages]
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    written = files = 0
    while written < size_mb * MB:
        host, head = rng.choice(halves)
        other_host, tail = rng.choice(halves)
        if other_host == host:
            continue
        cut_head, cut_tail = (int(len(lines) * rng.uniform(0.3, 0.7)) for lines in (head, tail))
        text = "\n".join(head[:cut_head] + tail[cut_tail:])
        data = text.encode("utf-8")
        folder = out / (re.sub(r"[^\w.-]+", "_", host) or "unknown")
        folder.mkdir(exist_ok=True)
        name = f"page-{files:07d}.txt"
        if files % GZIP_EVERY == GZIP_EVERY - 1:
            (folder / f"{name}.gz").write_bytes(gzip.compress(data, compresslevel=6))
        else:
            (folder / name).write_bytes(data)
        written += len(data)
        files += 1
    return {"files": files, "bytes": written}

"""Score segment_page against the webtext-dev gold set and measure its throughput.

Documents are grouped by gold ``host``, which stands in for the source the
pipeline knows from the landing path: each host gets a SourceProfile built from
all of its documents, exactly as the pipeline would after ingesting them.

usage: python bench/quality.py [--data DIR] --pred OUTDIR [--trace]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "include"))

from textlake.segment import segment_page  # noqa: E402
from textlake.template import SourceProfile  # noqa: E402

DEFAULT_DATA = (REPO / "../shared/bench/webtext-dev").resolve()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--pred", type=Path, required=True, help="folder for <id>.json predictions")
    ap.add_argument("--trace", action="store_true", help="also write dropped-line reasons to OUTDIR/trace.jsonl")
    ap.add_argument("--worst", type=int, default=0, help="passed to score.py")
    args = ap.parse_args()

    gold = [json.loads(ln) for ln in (args.data / "gold.jsonl").read_text(encoding="utf-8").splitlines() if ln]
    texts = {g["id"]: (args.data / f"{g['id']}.txt").read_text(encoding="utf-8") for g in gold}
    by_host: dict[str, list[str]] = defaultdict(list)
    for g in gold:
        by_host[g["host"]].append(g["id"])
    templates = {}
    for host, ids in by_host.items():
        profile = SourceProfile()
        for doc_id in ids:
            profile.observe(texts[doc_id])
        templates[host] = profile.template()

    args.pred.mkdir(parents=True, exist_ok=True)
    results = {}
    t0 = time.process_time()  # CPU time: the machine is shared, wall time would measure the neighbours
    for g in gold:
        results[g["id"]] = segment_page(texts[g["id"]], templates[g["host"]])
    elapsed = time.process_time() - t0
    n_bytes = sum(len(t.encode("utf-8")) for t in texts.values())

    trace_lines = []
    for doc_id, seg in results.items():
        out = {"title": seg.title, "paragraphs": list(seg.paragraphs), "comments": [c.text for c in seg.comments]}
        (args.pred / f"{doc_id}.json").write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
        if args.trace:
            trace_lines.append(
                json.dumps(
                    {
                        "id": doc_id,
                        "title": seg.title,
                        "published_date": seg.published_date.isoformat() if seg.published_date else None,
                        "comments": [{"author": c.author, "depth": c.depth, "text": c.text[:80]} for c in seg.comments],
                        "dropped": [[d.line_no, d.reason, d.text] for d in seg.dropped],
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    if args.trace:
        (args.pred / "trace.jsonl").write_text("".join(trace_lines), encoding="utf-8")

    cmd = [sys.executable, str(args.data / "score.py"), "--gold", str(args.data / "gold.jsonl"), "--pred", str(args.pred)]
    if args.worst:
        cmd += ["--worst", str(args.worst)]
    subprocess.run(cmd, check=True)
    print(f"segment_page: {len(results)} docs, {n_bytes / 1e6:.2f} MB in {elapsed:.2f} s = {n_bytes / 1e6 / elapsed:.2f} MB/s")


if __name__ == "__main__":
    main()

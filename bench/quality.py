"""Cleaning quality with the shipped settings, on both dev gold sets, and the speed of `segment_page`.

usage: python bench/quality.py --pred OUTDIR [--worst N] [--show N] [--json scores.json]

For each gold set (`bench/goldsets.py`): every page is segmented against its host's template,
one prediction per page goes to OUTDIR/<set>/, and the set's own `score.py` scores them:

- webtext-dev: body P/R/F1 per dataset, title match, paragraph boundaries, comments;
- trafeval-dev: pooled snippet P/R/F1, here also per language (English, German, the rest), and
  the team's comment labels (`bench/trafeval_comments.jsonl`): comment P/R, author accuracy, and
  the share of pages without comments that got none.

The last line gives `segment_page`'s throughput (CPU time, one core, both sets).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from goldsets import TRAFEVAL, WEBTEXT, comment_scores, load, prf, snippet_scores, templates

from textlake.segment import segment_page

TARGETS = {
    "webtext body F1": 0.93,
    "webtext title exact": 0.82,
    "webtext paragraph boundaries": 0.95,
    "webtext comments F1": 0.65,
    "trafeval F1": 0.91,
    "trafeval precision": 0.88,
    "trafeval F1 per language": 0.88,
    "comment precision": 0.90,
    "comment recall": 0.80,
    "comment author accuracy": 0.90,
    "pages without comments left without": 0.97,
}


def segment_all(pages) -> tuple[dict, float, int]:
    by_host = templates(pages)
    started = time.process_time()  # CPU time: the machine is shared, wall time would measure the neighbours
    results = {page.id: segment_page(page.text, by_host[page.host]) for page in pages}
    return results, time.process_time() - started, sum(len(p.text.encode("utf-8")) for p in pages)


def run_scorer(folder: Path, pred: Path, extra: list[str]) -> dict:
    out = pred / "scores.json"
    done = subprocess.run(
        [
            sys.executable,
            str(folder / "score.py"),
            "--gold",
            str(folder / "gold.jsonl"),
            "--pred",
            str(pred),
            "--json",
            str(out),
            *extra,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    print(done.stdout.rstrip())
    return json.loads(out.read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pred", type=Path, required=True, help="folder for the predictions")
    ap.add_argument("--worst", type=int, default=0, help="webtext: list the N worst pages")
    ap.add_argument("--show", type=int, default=0, help="trafeval: list N misses of each kind")
    ap.add_argument("--json", type=Path, help="write every score here")
    args = ap.parse_args()
    report: dict = {}
    cpu = size = 0.0

    webtext = load(WEBTEXT)
    results, spent, n_bytes = segment_all(webtext)
    cpu, size = cpu + spent, size + n_bytes
    pred = args.pred / "webtext-dev"
    pred.mkdir(parents=True, exist_ok=True)
    for doc_id, seg in results.items():
        out = {"title": seg.title, "paragraphs": list(seg.paragraphs), "comments": [c.text for c in seg.comments]}
        (pred / f"{doc_id}.json").write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    print("== webtext-dev")
    scores = run_scorer(WEBTEXT, pred, ["--worst", str(args.worst)] if args.worst else [])
    report["webtext"] = scores

    trafeval = load(TRAFEVAL)
    results, spent, n_bytes = segment_all(trafeval)
    cpu, size = cpu + spent, size + n_bytes
    pred = args.pred / "trafeval-dev"
    pred.mkdir(parents=True, exist_ok=True)
    bodies = {}
    for doc_id, seg in results.items():
        bodies[doc_id] = "\n".join(seg.paragraphs)  # the body column: the title is stored apart
        (pred / f"{doc_id}.txt").write_text(bodies[doc_id], encoding="utf-8")
    print("== trafeval-dev")
    report["trafeval"] = run_scorer(TRAFEVAL, pred, ["--show", str(args.show)] if args.show else [])
    by_language = snippet_scores(trafeval, bodies)
    print(f"{'language':10}{'pages':>7}{'P':>9}{'R':>9}{'F1':>9}")
    pages_per = {g: sum(1 for p in trafeval if g == "all" or _group(p) == g) for g in by_language}
    for group in ("en", "de", "other", "all"):
        p, r, f = prf(*by_language[group])
        print(f"{group:10}{pages_per[group]:>7}{p:>9.3f}{r:>9.3f}{f:>9.3f}")
    report["trafeval_by_language"] = {
        g: dict(zip(("precision", "recall", "f1"), prf(*c), strict=True)) for g, c in by_language.items()
    }
    comments = comment_scores({p.id: p for p in trafeval}, {i: s.comments for i, s in results.items()})
    report["trafeval_comments"] = comments
    print(
        f"comments (team labels, {comments['pages']} pages, {comments['gold_comments']} comments): "
        f"P={comments['precision']:.3f} R={comments['recall']:.3f} F1={comments['f1']:.3f} "
        f"authors {comments['author_accuracy']:.3f}; pages without comments left without: "
        f"{comments['quiet_share']:.3f} of {comments['pages_without_comments']}"
    )
    print(f"segment_page: {len(webtext) + len(trafeval)} pages, {size / 1e6:.2f} MB in {cpu:.2f} s = {size / 1e6 / cpu:.2f} MB/s")
    report["segment_page_mb_per_s"] = size / 1e6 / cpu
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


def _group(page) -> str:
    from goldsets import language_group

    return language_group(page)


if __name__ == "__main__":
    main()

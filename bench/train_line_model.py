"""Fit the line model (`textlake.line_model`) on the two dev gold sets and write its numbers.

usage: python bench/train_line_model.py [--out include/config/line_model.json] [--folds 5] [--check]

Every line the furniture rules leave undecided above a page's comment section is a training
row: its features (`textlake.line_features`) and its label (`bench/line_labels.py`). The model
is a logistic regression over standardised features, rows weighted by their words (a long
paragraph matters more than a label) and trafeval's sparse snippet labels weighted up to count
as much as webtext's dense ones. The threshold is chosen on out-of-fold predictions with whole
web hosts held out (the pipeline meets sites it never saw): for each candidate threshold the
pages are segmented end to end and scored by both sets' own scorers. The fit is deterministic,
so the same data give the same file.

`--check` reports the held-out scores of the shipped file's settings without writing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np
from goldsets import TRAFEVAL, WEBTEXT, load, prf, snippet_scores, templates
from line_labels import trafeval_labels, webtext_labels
from sklearn.linear_model import LogisticRegression

from textlake.clean import classify_page
from textlake.enrich import detect_language
from textlake.line_features import feature_names, line_table
from textlake.line_model import MODEL, LineModel
from textlake.segment import model_candidates, page_layout, segment_lines

# (around the main text, inside its span): the grid the held-out scores choose from. Around the main
# text the model mostly names the reason of lines the main-text search drops anyway; inside it decides.
THRESHOLDS = tuple((0.5, inside) for inside in (0.0, 0.2, 0.3, 0.4, 0.5)) + ((0.0, 0.0),)
C = 0.5  # inverse regularisation strength


def page_rows(sets):
    """Per page: (set name, host, page, lines, language, features, labels, candidate mask)."""
    rows = []
    for name, pages in sets.items():
        labeller = webtext_labels if name == "webtext" else trafeval_labels
        by_host = templates(pages)
        for page in pages:
            lines = classify_page(page.text, by_host[page.host])
            _, runs, comment_start = page_layout(lines.infos, lines.kinds)
            language = detect_language(page.text)
            table = line_table(lines, language, runs, comment_start)
            labels = labeller(lines, page.gold)
            candidates = model_candidates(lines, runs, comment_start)
            rows.append((name, page.host, page, lines, language, table, labels, candidates, by_host[page.host]))
    return rows


def design(rows):
    """Training matrix, labels, weights and hosts of the labelled candidate lines."""
    X, y, w, hosts = [], [], [], []
    totals = defaultdict(float)
    picked = []
    for name, host, _page, lines, _lang, table, labels, candidates, _tpl in rows:
        for i, label in enumerate(labels):
            if label is None or not candidates[i]:
                continue
            weight = np.log1p(lines.infos[i].n_words)
            picked.append((name, weight))
            totals[name] += weight
            X.append(table[i])
            y.append(label)
            hosts.append(host)
    # each set carries half of the total weight, whatever its number of labelled lines
    w = np.array([weight / totals[name] for name, weight in picked])
    return np.array(X), np.array(y), w * len(w) / w.sum(), np.array(hosts)


def fit(X, y, w) -> dict:
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=C, max_iter=5000)
    model.fit((X - mean) / scale, y, sample_weight=w)
    return {
        "mean": mean.tolist(),
        "scale": scale.tolist(),
        "coef": model.coef_[0].tolist(),
        "intercept": float(model.intercept_[0]),
    }


def evaluate(rows, models: dict[str, LineModel]) -> dict:
    """Segment every page with its host's model and score both sets with their own scorers."""
    webtext, bodies = [], {}
    for name, host, page, lines, language, _t, _l, _c, template in rows:
        seg = segment_lines(lines, template, language, models[host])
        if name == "webtext":
            webtext.append(
                {
                    "id": page.id,
                    "title": seg.title,
                    "paragraphs": list(seg.paragraphs),
                    "comments": [c.text for c in seg.comments],
                }
            )
        else:
            bodies[page.id] = "\n".join(seg.paragraphs)
    scorer = _webtext_scorer()
    with tempfile.TemporaryDirectory() as tmp:
        pred = Path(tmp) / "pred.jsonl"
        pred.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in webtext), encoding="utf-8")
        per_doc = scorer.score(WEBTEXT / "gold.jsonl", pred)["per_doc"]
    overall = scorer.aggregate(per_doc)
    by_set = {ds: scorer.aggregate([r for r in per_doc if r["dataset"] == ds]) for ds in sorted({r["dataset"] for r in per_doc})}
    pages = [row[2] for row in rows if row[0] == "trafeval"]
    snippets = {g: prf(*c) for g, c in snippet_scores(pages, bodies).items()}
    return {
        "webtext": overall["F1"],
        "title": overall["title_exact"],
        "boundaries": overall["bndF1"],
        "webtext_min": min(a["F1"] for a in by_set.values()),
        "trafeval": snippets["all"][2],
        "trafeval_p": snippets["all"][0],
        "trafeval_r": snippets["all"][1],
        "trafeval_min": min(snippets[g][2] for g in ("en", "de", "other")),
    }


def _webtext_scorer():
    spec = importlib.util.spec_from_file_location("webtext_score", WEBTEXT / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=MODEL)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--check", action="store_true", help="score the shipped settings held out, write nothing")
    args = ap.parse_args()
    rows = page_rows({"webtext": load(WEBTEXT), "trafeval": load(TRAFEVAL)})
    X, y, w, hosts = design(rows)
    names = feature_names()
    print(f"{len(y)} labelled lines ({int(y.sum())} main text) from {len(rows)} pages of {len(set(hosts))} hosts")

    all_hosts = sorted({row[1] for row in rows})
    fold_of = {h: k % args.folds for k, h in enumerate(all_hosts)}
    folds = [
        fit(X[hosts_fold], y[hosts_fold], w[hosts_fold])
        for hosts_fold in (np.array([fold_of[h] != k for h in hosts]) for k in range(args.folds))
    ]
    shipped = LineModel.load(args.out) if args.check else None
    grid = [(shipped.threshold, shipped.inside_threshold)] if shipped else THRESHOLDS
    best = None
    columns = ("around", "inside", "webtext", "min", "title", "bounds", "trafeval", "P", "R", "min")
    print(" ".join(f"{c:>8}" for c in columns))
    for around, inside in grid:
        settings = {"features": names, "threshold": around, "inside_threshold": inside}
        models = {h: LineModel.from_dict({**settings, **folds[fold_of[h]]}) for h in all_hosts}
        s = evaluate(rows, models)
        scores = (s["webtext"], s["webtext_min"], s["title"], s["boundaries"], s["trafeval"], s["trafeval_p"], s["trafeval_r"])
        print(" ".join(f"{v:>8.3f}" for v in (around, inside, *scores, s["trafeval_min"])))
        objective = s["webtext"] + s["trafeval"]
        if best is None or objective > best[0]:
            best = (objective, around, inside)
    if args.check:
        return
    fitted = {
        "features": names,
        "threshold": best[1],
        "inside_threshold": best[2],
        **fit(X, y, w),
        "trained_on": {"lines": int(len(y)), "pages": len(rows), "hosts": len(all_hosts), "C": C},
    }
    args.out.write_text(json.dumps(fitted, indent=1) + "\n", encoding="utf-8")
    print(f"thresholds {best[1]} around, {best[2]} inside the main text (held-out sites); wrote {args.out}")


if __name__ == "__main__":
    sys.exit(main())

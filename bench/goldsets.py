"""The cleaning benchmarks: pages, gold, and one prediction per page, as the pipeline would make it.

Two gold sets are read from `../shared/bench` (never copied into the repository):

- `webtext-dev`: pages of three content-extraction gold sets with the gold main text, titles,
  paragraphs and (for l3s-gn1) comments; scored by its own `score.py`;
- `trafeval-dev`: newer pages in many languages with snippets that must and must not be in the
  main text; scored by its own `score.py`; and the team's own labels of the reader comments of
  160 of its pages (`bench/trafeval_comments.jsonl`: line numbers, never page text).

Pages are grouped by web host, which stands in for the source the pipeline knows: each host
gets a template learned from all of its pages with the shipped settings, as the pipeline's
first pass would learn it.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "include"))

from textlake.config import PipelineConfig  # noqa: E402
from textlake.enrich import detect_language  # noqa: E402
from textlake.template import SourceProfile, Template  # noqa: E402

SHARED = (REPO / ".." / "shared" / "bench").resolve()
WEBTEXT = SHARED / "webtext-dev"
TRAFEVAL = SHARED / "trafeval-dev"
COMMENT_LABELS = REPO / "bench" / "trafeval_comments.jsonl"


@dataclasses.dataclass
class Page:
    id: str
    host: str
    text: str
    gold: dict


def host_of(url: str) -> str:
    """The page's site; an archived page (web.archive.org/web/<time>/<url>) counts as the archived site's."""
    parsed = urlparse(url)
    if parsed.netloc == "web.archive.org":
        inner = re.sub(r"^/web/[^/]+/", "", parsed.path)
        return urlparse(inner if "://" in inner else f"http://{inner}").netloc or parsed.netloc
    return parsed.netloc


def load(folder: Path) -> list[Page]:
    gold = [json.loads(line) for line in (folder / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return [
        Page(g["id"], g.get("host") or host_of(g["url"]), (folder / f"{g['id']}.txt").read_text(encoding="utf-8"), g)
        for g in gold
    ]


def templates(pages: list[Page], config: PipelineConfig | None = None) -> dict[str, Template]:
    """Each host's template from all of its pages, with the shipped `template_min_docs`."""
    config = config or PipelineConfig.from_overrides(check=False)
    profiles: dict[str, SourceProfile] = defaultdict(SourceProfile)
    for page in pages:
        profiles[page.host].observe(page.text)
    return {host: profile.template(min_docs=config.template_min_docs) for host, profile in profiles.items()}


def language_group(page: Page) -> str:
    """English, German or the rest, by the language of the whole page."""
    language = detect_language(page.text)
    return language if language in ("en", "de") else "other"


def snippet_scores(pages: list[Page], bodies: dict[str, str]) -> dict[str, tuple[int, int, int]]:
    """(true positives, false negatives, false positives) per language group and overall, as trafeval's scorer counts."""

    def norm(text: str) -> str:
        return re.sub(r"\s+", " ", text).strip()

    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for page in pages:
        text = norm(bodies[page.id])
        hits = sum(norm(w) in text for w in page.gold["with"])
        leaks = sum(norm(w) in text for w in page.gold["without"])
        for group in ("all", language_group(page)):
            counts[group][0] += hits
            counts[group][1] += len(page.gold["with"]) - hits
            counts[group][2] += leaks
    return {group: tuple(c) for group, c in counts.items()}


def prf(tp: int, fn: int, fp: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def comment_scores(pages: dict[str, Page], predicted: dict[str, list]) -> dict:
    """The team's comment labels against the predicted comments, matched by the page lines they span.

    A predicted comment matches a labelled one when their line ranges overlap by at least half of
    their union (one-to-one, in page order). Author accuracy is over matched pairs: the predicted
    author equals the labelled name (both absent counts as right).
    """
    labels = [json.loads(line) for line in COMMENT_LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    matched = n_pred = n_gold = authors_right = 0
    quiet = quiet_right = 0
    for label in labels:
        page, comments = pages[label["id"]], predicted[label["id"]]
        lines = page.text.split("\n")
        gold = [(c["first"] - 1, c["last"] - 1, _name(lines, c["author"])) for c in label["comments"]]
        n_pred, n_gold = n_pred + len(comments), n_gold + len(gold)
        if not label["has_comments"]:
            quiet += 1
            quiet_right += not comments
        taken: set[int] = set()
        for comment in comments:
            first, last = comment.lines
            for k, (g_first, g_last, g_author) in enumerate(gold):
                overlap = min(last, g_last) - max(first, g_first) + 1
                union = max(last, g_last) - min(first, g_first) + 1
                if k not in taken and overlap > 0 and overlap >= 0.5 * union:
                    taken.add(k)
                    matched += 1
                    authors_right += (comment.author or None) == (g_author or None)
                    break
    precision, recall, f1 = prf(matched, n_gold - matched, n_pred - matched)
    return {
        "pages": len(labels),
        "gold_comments": n_gold,
        "predicted_comments": n_pred,
        "matched": matched,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "author_accuracy": authors_right / matched if matched else 0.0,
        "pages_without_comments": quiet,
        "quiet_share": quiet_right / quiet if quiet else 1.0,
    }


def _name(lines: list[str], author: dict | None) -> str | None:
    return lines[author["line"] - 1][author["start"] : author["end"]].strip() if author else None

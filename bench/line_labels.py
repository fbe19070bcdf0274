"""Which logical lines of a gold-set page are main text: the line model's training labels.

- webtext-dev: a line is main text when it is one of the gold blocks, or (four words and more)
  when it stands in the gold main text; every other line is not. Lines of the gold reader
  comments are not main text; the gold title is left out (the title is found apart).
- trafeval-dev: a line holding a snippet that must be in the main text is main text, one holding
  a snippet that must not be is not; the page's other lines are unlabelled.

Labels are +1 (main text), 0 (not) or None (unlabelled).
"""

from __future__ import annotations

import re

from textlake.clean import BLANK, PageLines

_SPACE = re.compile(r"\s+")


def norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def webtext_labels(page: PageLines, gold: dict) -> list[int | None]:
    blocks = {norm(p) for p in gold["paragraphs"]}
    body = " \n ".join(norm(p) for p in gold["paragraphs"])
    comments = " \n ".join(norm(c) for c in gold.get("comments") or [])
    title = norm(gold["title"]) if gold.get("title") else None
    labels: list[int | None] = []
    for kind, info in zip(page.kinds, page.infos, strict=True):
        text = norm(info.text)
        if kind == BLANK or not text or text == title:
            labels.append(None)
        elif text in blocks or info.n_words >= 4 and text in body:
            labels.append(1)
        elif comments and info.n_words >= 4 and text in comments:
            labels.append(0)
        else:
            labels.append(0)
    return labels


def trafeval_labels(page: PageLines, gold: dict) -> list[int | None]:
    """Each snippet marks the logical lines its occurrence overlaps in the whitespace-normalised page."""
    pieces, owner = [], []
    for i, line in enumerate(page.lines):
        text = norm(line)
        if text:
            pieces.append(text)
            owner.append(i)
    joined, spans, at = "", [], 0
    for text in pieces:
        spans.append((at, at + len(text)))
        joined += text + " "
        at += len(text) + 1
    labels: list[int | None] = [None] * len(page.lines)
    for snippets, label in ((gold["without"], 0), (gold["with"], 1)):
        for snippet in snippets:
            needle = norm(snippet)
            start = joined.find(needle)
            if not needle or start < 0:
                continue
            end = start + len(needle)
            for (s, e), i in zip(spans, owner, strict=True):
                if s < end and e > start:
                    labels[i] = label
    return labels

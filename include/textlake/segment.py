"""Segmentation: a cleaned page's title, date, main paragraphs and reader comments.

The page arrives as plain text where every block element became a line, so the article
has to be recovered from line shapes alone, after cleaning gave every line a verdict
(:mod:`textlake.clean`):

1. the main text is the densest run of prose, plus runs large enough on their own,
   joined across list-only gaps (:mod:`textlake.maintext`);
2. the reader-comment section starts at the first comment widget or threaded "handle +
   indented reply" below the article's start, and is split into comments by handle lines
   and blank-line gaps (:mod:`textlake.comments`);
3. the title is the line above the text that the text is about, the date an explicit
   day-month-year next to it (:mod:`textlake.title`, :mod:`textlake.dates`).

Every input line that does not end up in the title, a paragraph or a comment is reported
in ``dropped`` with its reason.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from textlake.clean import BLANK, FURNITURE, PROSE, SHORT, PageLines, classify_page
from textlake.comments import Comment, find_comment_start, split_comments
from textlake.dates import find_date
from textlake.enrich import detect_language
from textlake.lexicon import shipped as shipped_lexicon
from textlake.line_features import feature_names, line_table
from textlake.line_model import LineModel
from textlake.line_model import shipped as shipped_model
from textlake.maintext import MIN_MAIN_WORDS, bridge_runs, line_scores, main_runs
from textlake.reasons import Reason
from textlake.template import Template
from textlake.title import extend_head, find_title, prose_headline

__all__ = ["Comment", "DroppedLine", "PageSegments", "segment_lines", "segment_page"]

_LEXICON_COLUMNS = [k for k, name in enumerate(feature_names()) if name.startswith("lexicon_")]

_BLOCK_MIN_WORDS = 7
_RUN_TOGETHER_RE = re.compile(r"(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])")


@dataclass(frozen=True)
class DroppedLine:
    line_no: int  # 0-based, in the decoded text
    reason: Reason
    text: str


@dataclass(frozen=True)
class PageSegments:
    title: str | None
    published_date: datetime.date | None
    paragraphs: tuple[str, ...]
    comments: tuple[Comment, ...]
    dropped: tuple[DroppedLine, ...]


def segment_page(text: str, template: Template = Template(), language: str | None = None) -> PageSegments:
    """Clean and segment one decoded, NFC-normalised page with "\\n" line endings.

    `language` is the page's (ISO 639-1), detected from the text when not given.
    """
    return segment_lines(classify_page(text, template), template, page_language(text) if language is None else language)


# Pages with more logical lines than this (dumps, logs, concatenated sites) are judged by the rules
# alone: the line table of a 50 MB page would cost its worker gigabytes.
MODEL_MAX_LINES = 20_000
_LANGUAGE_SAMPLE = 4000  # characters: enough for the stoplist's language, a fraction of a long page's cost


def page_language(text: str) -> str:
    """The language of a page's stopwords, from its middle (headers and menus are at its edges)."""
    if len(text) <= _LANGUAGE_SAMPLE:
        return detect_language(text)
    middle = len(text) // 2
    return detect_language(text[middle - _LANGUAGE_SAMPLE // 2 : middle + _LANGUAGE_SAMPLE // 2])


def segment_lines(
    page: PageLines, template: Template = Template(), language: str = "und", model: LineModel | None = None
) -> PageSegments:
    """Segment a page whose lines cleaning has judged; `template` is the source's, as for cleaning.

    The line model (`textlake.line_model`, the shipped one unless given) weighs every line the
    rules left undecided above the comment section; the lines it calls furniture leave the main
    text search, never the title's.
    """
    raw, lines, starts, infos, kinds, reasons, keys = (
        page.raw,
        page.lines,
        page.starts,
        page.infos,
        page.kinds,
        page.reasons,
        page.keys,
    )
    n = len(lines)
    dropped: list[DroppedLine] = []

    def drop(i: int, reason: Reason) -> None:
        for no in range(starts[i], starts[i + 1]):
            dropped.append(DroppedLine(no, reason, raw[no]))

    title_kinds = kinds
    score, runs, comment_start = page_layout(infos, kinds)
    lexical, lexicon_keys = None, None
    if n <= MODEL_MAX_LINES:
        lexical, lexicon_keys = _lexicon_match(infos, 0, n)
        verdicts = judge_lines(page, language, score, runs, comment_start, model or shipped_model(), lexical)
    else:
        verdicts = {}  # a dump of a page: the rules alone, so its memory stays a few times its size
    if verdicts:
        kinds, reasons = list(kinds), list(reasons)
        for i, reason in verdicts.items():
            kinds[i], reasons[i] = FURNITURE, reason
        score, runs, comment_start = page_layout(infos, kinds)

    in_main = [False] * n
    if sum(sum(score[s:e]) for s, e in runs) < MIN_MAIN_WORDS:
        # Pages without running text (link directories, product lists, tables of
        # contents): their lists are the content, so only furniture goes.
        runs = [(0, comment_start)] if comment_start else []
        title_anchor = next(
            (i for i in range(comment_start) if kinds[i] == PROSE),
            next((i + 1 for i in range(comment_start) if kinds[i] == SHORT), 0),
        )
    else:
        title_anchor = runs[0][0] if runs else comment_start
        if runs and prose_headline(infos[title_anchor]) and runs[0][1] > title_anchor + 1:
            # a long headline with a comma reads as prose and can open the text run: it is
            # still a candidate, and the text it is checked against starts below it
            title_anchor += 1
        runs = bridge_runs(kinds, runs)
    for s, e in runs:
        for i in range(s, e):
            in_main[i] = True
    main_start = runs[0][0] if runs else comment_start

    title_idx = find_title(infos, title_kinds, keys, title_anchor, runs[0][1] if runs else main_start, template)
    title = infos[title_idx].text if title_idx is not None else None
    head_start = extend_head(infos, kinds, main_start, title_idx) if title_idx is None or title_idx < main_start else main_start
    for i in range(head_start, main_start):
        in_main[i] = True

    published = find_date(lines, infos, kinds, title_idx, head_start, main_start, comment_start)

    paragraphs: list[str] = []
    seen: set[str] = set()
    if title_idx is not None:
        seen.add(keys[title_idx])
    for i in range(comment_start):
        k = kinds[i]
        if k == BLANK or i == title_idx:
            continue
        info = infos[i]
        reason = reasons[i]
        if reason is None:
            if keys[i] in seen:
                reason = Reason.DUPLICATE_LINE
            elif not in_main[i]:
                reason = Reason.OFF_MAIN_BLOCK if k == PROSE else Reason.SHORT_FRAGMENT
        if reason:
            drop(i, reason)
            continue
        seen.add(keys[i])
        paragraphs.extend(_split_run_together(info.text))

    comments = split_comments(
        infos,
        kinds,
        reasons,
        keys,
        comment_start,
        drop,
        starts,
        *(
            _lexicon_match(infos, comment_start, n)
            if lexical is None
            else (lexical[comment_start:], lexicon_keys[comment_start:])
        ),
        language,
        frozenset(seen),
    )
    dropped.sort(key=lambda d: d.line_no)
    return PageSegments(title, published, tuple(paragraphs), tuple(comments), tuple(dropped))


def _lexicon_match(infos, lo: int, hi: int) -> tuple[np.ndarray, list[str]]:
    """The lexicon's scores and normalised keys of the lines in [lo, hi)."""
    part = infos[lo:hi]
    return shipped_lexicon().match(
        pa.array([info.text for info in part], pa.string()), np.fromiter((info.n_words for info in part), np.float64, len(part))
    )


def page_layout(infos, kinds) -> tuple[list[float], list[tuple[int, int]], int]:
    """Line scores, the main-text runs above the comment section, and where that section starts."""
    score = line_scores(infos, kinds)
    runs = main_runs(score, 0, len(infos))
    comment_start = find_comment_start(infos, kinds, score, runs)
    if comment_start < len(infos):
        runs = main_runs(score, 0, comment_start)
    return score, runs, comment_start


def judge_lines(
    page: PageLines,
    language: str,
    page_score: list[float],
    runs: list[tuple[int, int]],
    comment_start: int,
    model: LineModel,
    lexical: np.ndarray,
) -> dict[int, Reason]:
    """The line model's furniture among the lines above the comment section that no rule decided."""
    if not runs or sum(sum(page_score[s:e]) for s, e in runs) < MIN_MAIN_WORDS:
        return {}  # a page without running text: its lists are the content
    candidates = model_candidates(page, runs, comment_start)
    if not candidates.any():
        return {}
    inside = np.zeros(len(page.kinds), dtype=bool)
    inside[runs[0][0] : runs[-1][1]] = True
    table = line_table(page, language, runs, comment_start, lexical=lexical)
    # a short line that introduces what follows it ("The new routes:") is the article's, unless it is an
    # interface phrase ("Teilen mit:", "Themen:")
    interface = table[:, _LEXICON_COLUMNS].max(axis=1) > 0
    introduces = np.fromiter((info.n_words <= 8 and info.text.endswith(":") for info in page.infos), bool, len(page.infos))
    candidates &= ~(introduces & ~interface)
    return model.verdicts(table, candidates, np.array([k == PROSE for k in page.kinds]), inside)


def model_candidates(page: PageLines, runs: list[tuple[int, int]], comment_start: int) -> np.ndarray:
    """The lines the line model weighs: text no rule decided above the comment section, except the items
    of the article's own lists, between its paragraphs."""
    n = len(page.kinds)
    first, last = (runs[0][0], runs[-1][1]) if runs else (n, n)
    candidates = np.zeros(n, dtype=bool)
    for i in range(min(comment_start, n)):
        info, kind = page.infos[i], page.kinds[i]
        listed = info.bullet and kind == SHORT and first <= i < last
        candidates[i] = page.reasons[i] is None and kind in (PROSE, SHORT) and not listed
    return candidates


def _split_run_together(text: str) -> list[str]:
    """Split two blocks that lost the line break between them ("...the end.Next block starts").

    Only sentence-sized pieces on both sides count: a short piece is a typo'd
    sentence boundary or part of a domain name ("www.TypePad.com"), not a block.
    """
    pieces = _RUN_TOGETHER_RE.split(text)
    if len(pieces) == 1:
        return pieces
    blocks = [pieces[0]]
    for piece in pieces[1:]:
        if blocks[-1].count(" ") >= _BLOCK_MIN_WORDS and piece.count(" ") >= _BLOCK_MIN_WORDS:
            blocks.append(piece)
        else:
            blocks[-1] += piece
    return blocks

"""The main text: the densest run of prose, plus further runs large enough on their own.

Every line gets a score: prose earns the words it has beyond a teaser's length, labels
and links cost a little (a heading between paragraphs must not split the article, a
40-item menu must), furniture costs more. The article is the maximum-sum run of scores,
plus runs on either side big enough alone (multi-part articles, forum posts), joined
across gaps that hold lists and tables but (almost) no furniture.
"""

from __future__ import annotations

from textlake.clean import BLANK, FURNITURE, PROSE, SHORT
from textlake.lines import LineInfo

_PROSE_BASE = 10.0
_SHORT_COST = 1.0
_SHORT_WORD_COST = 0.3  # long unpunctuated lines are link titles, they cost more
_FURNITURE_COST = 3.0
_MIN_EXTRA_BLOCK = 30.0  # what a secondary prose run must earn to be kept
_BRIDGE_MAX_LINES = 80  # longest list/table gap inside an article that is bridged
_BRIDGE_FURNITURE = 0.1  # share of furniture lines that marks a gap as page chrome
MIN_MAIN_WORDS = 25.0  # below this the page has no running text to anchor on


def line_scores(infos: list[LineInfo], kinds: list[int]) -> list[float]:
    score = [0.0] * len(infos)
    for i, k in enumerate(kinds):
        if k == PROSE:
            score[i] = infos[i].n_words - _PROSE_BASE
        elif k == SHORT:
            score[i] = -_SHORT_COST - _SHORT_WORD_COST * infos[i].n_words
        elif k == FURNITURE:
            score[i] = -_FURNITURE_COST
    return score


def _best_run(score: list[float], lo: int, hi: int) -> tuple[float, int, int]:
    """Maximum-sum contiguous run of ``score[lo:hi]`` (Kadane), as (sum, start, end)."""
    best, best_s, best_e = 0.0, lo, lo
    cur, cur_s = 0.0, lo
    for i in range(lo, hi):
        if cur <= 0:
            cur, cur_s = 0.0, i
        cur += score[i]
        if cur > best:
            best, best_s, best_e = cur, cur_s, i + 1
    return best, best_s, best_e


def main_runs(score: list[float], lo: int, hi: int) -> list[tuple[int, int]]:
    """The densest prose run, then recursively any run on either side big enough alone."""
    runs: list[tuple[int, int]] = []
    stack = [(lo, hi, True)]
    while stack:
        a, b, first = stack.pop()
        if b <= a:
            continue
        total, s, e = _best_run(score, a, b)
        if total <= 0 or (not first and total < _MIN_EXTRA_BLOCK):
            continue
        runs.append((s, e))
        stack.append((a, s, False))
        stack.append((e, b, False))
    return sorted(runs)


def bridge_runs(kinds: list[int], runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join neighbouring text runs across a gap of labels and list items.

    Lists, tables and product boxes inside an article cost enough to split it
    into two runs; when both sides are text and the gap holds (almost) no page
    furniture, the gap is part of the article rather than a menu between two.
    """
    merged = runs[:1]
    for s, e in runs[1:]:
        gap = [k for k in kinds[merged[-1][1] : s] if k != BLANK]
        if len(gap) <= _BRIDGE_MAX_LINES and sum(k == FURNITURE for k in gap) <= _BRIDGE_FURNITURE * len(gap):
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged

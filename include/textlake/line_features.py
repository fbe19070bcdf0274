"""The line table: every logical line of a page as a row of numeric evidence, one column per feature.

What a line says about itself (length, punctuation, case, digits, stopword density in the
page's language, interface phrases of `textlake.lexicon`, the furniture rules' verdict, the
source's template), what its neighbours say (prose around it, the run of short lines it stands
in: link lists, tag clouds, related articles; the interface heading above it), and where it
stands (before, inside or after the densest run of prose). Text columns are computed by
Arrow's string kernels over the page's lines at once, context columns by numpy, so a page
costs a few dozen array operations whatever its length.
"""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import stopwordsiso

from textlake.clean import BLANK, PROSE, SHORT, PageLines
from textlake.lexicon import Lexicon, shipped
from textlake.reasons import Reason

# The furniture rules' verdicts, in groups the model weighs separately.
RULE_GROUPS = {
    "rule_navigation": (Reason.NAV_MENU, Reason.NAVIGATION, Reason.SECTION_HEADING),
    "rule_widget": (Reason.DONATION_WIDGET, Reason.SHARE_WIDGET, Reason.SUBSCRIBE_WIDGET, Reason.LOGIN, Reason.COMMENT_UI),
    "rule_legal": (Reason.COOKIE_NOTICE, Reason.COPYRIGHT),
    "rule_other": (Reason.CAPTION, Reason.READING_TIME, Reason.ADVERT, Reason.CODE, Reason.TEASER),
    "template_repeat": (Reason.TEMPLATE_REPEAT,),
}
_GROUP_OF = {reason: k for k, group in enumerate(RULE_GROUPS.values()) for reason in group}
_NEIGHBOURHOOD = 3  # non-blank lines on each side whose prose counts as the line's context
_HEADING_REACH = 6.0  # non-blank lines over which an interface heading colours what follows it
_TOKEN_EDGES = ".,;:!?\"'()[]{}«»„“”‚‘’<>*|/–—-…"


@functools.lru_cache(maxsize=64)
def stoplist(language: str) -> frozenset[str]:
    """The stoplist of an ISO 639-1 language (stopwords-iso, 58 languages); empty when there is none."""
    try:
        return frozenset(stopwordsiso.stopwords(language))
    except (KeyError, ValueError):
        return frozenset()


@functools.lru_cache(maxsize=64)
def stopwords(language: str) -> pa.Array:
    """`stoplist` as an Arrow array, for the line table's membership kernel."""
    return pa.array(sorted(stoplist(language)), pa.string())


def feature_names(lexicon: Lexicon | None = None) -> list[str]:
    lexicon = lexicon or shipped()
    categories = lexicon.categories
    return [
        "log_words",
        "log_chars",
        "word_length",
        "ends_sentence",
        "ends_colon",
        "bullet",
        "indented",
        "headline_case",
        "digit_share",
        "symbol_share",
        "commas_per_word",
        "stopword_share",
        "no_stopwords",
        "has_stoplist",
        "prose",
        "short_unpunctuated",
        *RULE_GROUPS,
        *(f"lexicon_{c}" for c in categories),
        *(f"below_{c}" for c in categories),
        "repeated_on_page",
        "prev_prose",
        "next_prose",
        "prev_log_words",
        "next_log_words",
        "prose_around",
        "short_run_log",
        "short_run_long",
        "position",
        "in_main",
        "before_main_log",
        "after_main_log",
        "just_after_main",
        "after_comments",
    ]


def line_table(
    page: PageLines,
    language: str,
    runs: list[tuple[int, int]],
    comment_start: int,
    lexicon: Lexicon | None = None,
    lexical: np.ndarray | None = None,
) -> np.ndarray:
    """Features of every logical line of `page` (rows; blank lines get zeros), in `feature_names` order.

    `runs` are the page's main-text runs and `comment_start` its comment section's first line,
    as segmentation found them before the model spoke.
    """
    lexicon = lexicon or shipped()
    n = len(page.infos)
    width = len(feature_names(lexicon))
    if not n:
        return np.zeros((0, width))
    infos, kinds = page.infos, page.kinds
    kind = np.fromiter(kinds, np.int8, n)
    words = np.fromiter((info.n_words for info in infos), np.float64, n)
    chars = np.fromiter((info.n_chars for info in infos), np.float64, n)
    ends = np.fromiter((info.ends_sentence for info in infos), np.float64, n)
    text = pa.array([info.text for info in infos], pa.string())
    tokens = pc.utf8_split_whitespace(text)
    token_line = pc.list_parent_indices(tokens).to_numpy()
    flat = pc.list_flatten(tokens)
    per_word = np.maximum(words, 1)
    per_char = np.maximum(chars, 1)

    initial = pc.utf8_slice_codeunits(flat, 0, 1)
    capital = pc.or_(pc.utf8_is_upper(initial), pc.invert(pc.utf8_is_alpha(initial)))
    n_tokens = np.maximum(np.bincount(token_line, minlength=n), 1)
    stripped = pc.utf8_trim(pc.utf8_lower(flat), _TOKEN_EDGES)
    stops = stopwords(language)
    stop_hits = np.bincount(token_line, weights=pc.is_in(stripped, value_set=stops).to_numpy(zero_copy_only=False), minlength=n)

    columns = [
        np.log1p(words),
        np.log1p(chars),
        chars / per_word,
        ends,
        pc.ends_with(text, ":").to_numpy(zero_copy_only=False).astype(np.float64),
        np.fromiter((info.bullet for info in infos), np.float64, n),
        np.fromiter((info.indent > 0 for info in infos), np.float64, n),
        np.bincount(token_line, weights=capital.to_numpy(zero_copy_only=False), minlength=n) / n_tokens,
        pc.count_substring_regex(text, r"\d").to_numpy() / per_char,
        pc.count_substring_regex(text, r"[^\w\s]").to_numpy() / per_char,
        np.minimum(pc.count_substring(text, ",").to_numpy() / per_word, 1.0),
        stop_hits / n_tokens,
        (stop_hits == 0).astype(np.float64) * bool(len(stops)),
        np.full(n, float(len(stops) > 0)),
    ]
    prose = (kind == PROSE).astype(np.float64)
    columns += [prose, (kind == SHORT) * (1 - ends)]
    rule = np.zeros((n, len(RULE_GROUPS)))
    for i, reason in enumerate(page.reasons):
        if reason in _GROUP_OF:
            rule[i, _GROUP_OF[reason]] = 1.0
    columns += list(rule.T)
    if lexical is None:
        lexical = lexicon.scores(text, words)
    nonblank = np.flatnonzero(kind != BLANK)
    columns += list(lexical.T)
    columns += list(_below(lexical, nonblank, n).T)
    columns.append(_repeated(page.keys))
    columns += _context(nonblank, words, prose, n)
    columns += _position(n, runs, comment_start)
    table = np.column_stack(columns)
    table[kind == BLANK] = 0.0
    return table


def _repeated(keys: list[str]) -> np.ndarray:
    counts: dict[str, int] = {}
    for key in keys:
        if key:
            counts[key] = counts.get(key, 0) + 1
    return np.fromiter((counts.get(k, 0) > 1 for k in keys), np.float64, len(keys))


def _below(lexical: np.ndarray, nonblank: np.ndarray, n: int) -> np.ndarray:
    """Per category, how close below a whole-line interface heading of it a line stands (1 right below, fading).

    "Related articles", "About the author", "Leave a reply": what follows such a heading is what it
    announces, until the next heading takes over.
    """
    out = np.zeros_like(lexical)
    if not len(nonblank) or not lexical.any():
        return out
    heads = lexical[nonblank] >= 1.0
    rank = np.arange(len(nonblank))[:, None]
    last = np.where(heads, rank, -1)
    last = np.maximum.accumulate(np.vstack([np.full((1, lexical.shape[1]), -1), last[:-1]]), axis=0)  # nearest heading above
    distance = rank - last
    out[nonblank] = np.where(last >= 0, np.maximum(0.0, 1.0 - (distance - 1) / _HEADING_REACH), 0.0)
    return out


def _context(nonblank: np.ndarray, words: np.ndarray, prose: np.ndarray, n: int) -> list[np.ndarray]:
    """The nearest non-blank neighbours, prose in the neighbourhood, and the run of short lines a line is in."""
    columns = [np.zeros(n) for _ in range(7)]
    m = len(nonblank)
    if not m:
        return columns
    p, w = prose[nonblank], np.log1p(words[nonblank])
    prev_p, next_p = np.concatenate(([0.0], p[:-1])), np.concatenate((p[1:], [0.0]))
    prev_w, next_w = np.concatenate(([0.0], w[:-1])), np.concatenate((w[1:], [0.0]))
    cumulative = np.concatenate(([0.0], np.cumsum(p)))
    lo = np.maximum(np.arange(m) - _NEIGHBOURHOOD, 0)
    hi = np.minimum(np.arange(m) + _NEIGHBOURHOOD + 1, m)
    around = (cumulative[hi] - cumulative[lo] - p) / np.maximum(hi - lo - 1, 1)
    # maximal runs of consecutive non-blank lines that are not prose, and each line's run length
    boundary = np.concatenate(([True], p[1:] != p[:-1]))
    run_id = np.cumsum(boundary) - 1
    run_length = np.bincount(run_id)[run_id] * (1 - p)
    for column, values in zip(
        columns, (prev_p, next_p, prev_w, next_w, around, np.log1p(run_length), (run_length >= 5).astype(np.float64)), strict=True
    ):
        column[nonblank] = values
    return columns


def _position(n: int, runs: list[tuple[int, int]], comment_start: int) -> list[np.ndarray]:
    """Where a line stands relative to the page's main-text runs and its comment section."""
    in_main = np.zeros(n)
    for s, e in runs:
        in_main[s:e] = 1.0
    first = runs[0][0] if runs else n
    last = runs[-1][1] if runs else 0
    index = np.arange(n, dtype=np.float64)
    before = np.log1p(np.maximum(first - index, 0))
    after = np.log1p(np.maximum(index - last + 1, 0))
    just_after = ((index >= last) & (index < last + 8)).astype(np.float64)
    after_comments = (index >= comment_start).astype(np.float64)
    return [index / max(n - 1, 1), in_main, before, after, just_after, after_comments]

"""The headline, and the labels (decks, bylines, dates) between it and the text.

A headline is a short, unpunctuated line above the text whose words come back in the
text; that is what separates it from the menus, bylines and widget labels that also sit
above the text. Headlines are often printed twice and stand near the text's start.
"""

from __future__ import annotations

import re

from textlake.clean import BLANK, FURNITURE, PROSE, SHORT
from textlake.dates import MONTH_YEAR_RE, parse_date
from textlake.lines import LineInfo, headline_case
from textlake.template import Template, line_key

_HEAD_GROUPS = 3  # label groups (bylines, dates, decks) kept above the text
_TITLE_WINDOW = 25  # non-blank lines above the text searched for the headline
_TITLE_BODY_WORDS = 400  # words at the text's start that a headline is checked against
_WORD_RE = re.compile(r"\w+")
_TEMPLATED_TITLE_WORDS = 4
_NAME_LIKE_RE = re.compile(r"^(?:[A-Z][\w'’.-]*\s*){1,3}$")
_CAPTION_MARK_RE = re.compile(r"\)$|\(\w+\)|\.\.\.|…")
_BYLINE_RE = re.compile(r"^(?:by|posted|written|published|updated|from|reporting|filed)\b|^(?:كتب|كتبت)\s*:|^بقلم\b", re.I)
_SECTION_SEP_RE = re.compile(r"\s+[-–—|:/]\s+|\s*[|»›>]\s*")


def find_title(
    infos: list[LineInfo], kinds: list[int], keys: list[str], main_start: int, main_end: int, template: Template = Template()
) -> int | None:
    """The headline: a short, unpunctuated line above the text that the text is about.

    A headline's words come back in the article, which is what separates it from
    the menus, bylines and widget labels that also sit above the text; headlines
    are often printed twice, and they stand near the text's start.  A line that
    joins one of the site's own template lines (its name) to a short label with a
    separator ("Site - Economy section") is a section header, however well its words match.
    """
    body_words: set[str] = set()
    budget = _TITLE_BODY_WORDS
    for i in range(main_start, main_end):
        if kinds[i] == PROSE:
            words = _WORD_RE.findall(infos[i].text.casefold())
            body_words.update(words)
            budget -= len(words)
            if budget <= 0:
                break
    counts: dict[str, int] = {}
    for k in keys:
        if k:
            counts[k] = counts.get(k, 0) + 1
    best, best_score = None, float("-inf")
    seen_lines = 0
    for i in range(main_start - 1, -1, -1):
        if kinds[i] == BLANK:
            continue
        seen_lines += 1
        if seen_lines > _TITLE_WINDOW:
            break
        info = infos[i]
        # a template line can still be this page's headline: a headline-long one whose words come back in
        # its text (a page whose copies taught the template its title keeps it; a site's name is shorter)
        templated = (
            kinds[i] == FURNITURE
            and bool(template)
            and keys[i] in template
            and len(_content_words(info.text)) >= _TEMPLATED_TITLE_WORDS
            and _overlap(info.text, body_words) >= 0.75
        )
        if (
            kinds[i] != SHORT
            and not (kinds[i] == PROSE and prose_headline(info))
            and not templated
            or info.bullet
            or not 2 <= info.n_words <= 25
            or info.n_chars > 200
        ):
            continue
        text = info.text
        if text.endswith((".", ":")) and not text.endswith(".."):
            continue
        if _BYLINE_RE.search(text) or parse_date(text) or MONTH_YEAR_RE.search(text):
            continue
        if template and _SECTION_SEP_RE.search(text) and _is_site_label(_SECTION_SEP_RE.split(text), template):
            continue
        capital = headline_case(text)
        overlap = _overlap(text, body_words)
        # decks and captions share the headline's words but run longer
        score = 3.0 * overlap + 0.5 * capital - 0.05 * seen_lines - 0.1 * max(0, info.n_words - 10)
        if counts.get(keys[i], 0) > 1:
            score += 1.0
        if 4 <= info.n_words <= 20:
            score += 1.0
        if info.n_words <= 3 and _NAME_LIKE_RE.match(text):
            score -= 1.5  # a byline or a captioned person, not a headline
        if _CAPTION_MARK_RE.search(text):
            score -= 1.0
        if text[:1].islower():
            score -= 1.5  # tags and category labels; a headline opens with a capital where the script has them
        if score > best_score:
            best, best_score = i, score
    return best


def _content_words(text: str) -> list[str]:
    return [w for w in _WORD_RE.findall(text.casefold()) if len(w) >= 4]


def _overlap(text: str, body_words: set[str]) -> float:
    """The share of a line's content words (four letters or more) that the article's text uses."""
    content = _content_words(text)
    return sum(w in body_words for w in content) / len(content) if content else 0.0


def _is_site_label(parts: list[str], template: Template) -> bool:
    """Parts of a separated line: one is a template line (the site's name), the rest a short label."""
    in_template = [line_key(part) in template for part in parts]
    return any(in_template) and all(t or part.count(" ") < 3 for part, t in zip(parts, in_template, strict=True))


def prose_headline(info: LineInfo) -> bool:
    """A long headline with a comma reads as prose; unlike prose it does not end in a full stop."""
    return not info.ends_sentence and info.n_words <= 15 and not info.bullet


def extend_head(infos: list[LineInfo], kinds: list[int], main_start: int, title_idx: int | None) -> int:
    """Pull standalone labels (decks, bylines, dates) between headline and text into the body.

    Menus are runs of adjacent labels; a heading block stands alone between blank
    lines, so only groups of at most two adjacent clean lines are taken.
    """
    start = main_start
    i = main_start - 1
    groups = 0
    floor = title_idx + 1 if title_idx is not None else 0
    while groups < _HEAD_GROUPS and i >= floor:
        while i >= floor and kinds[i] == BLANK:
            i -= 1
        group_end = i
        while i >= floor and kinds[i] != BLANK:
            i -= 1
        group = range(i + 1, group_end + 1)
        if not group or len(group) > 2 or any(kinds[j] != SHORT for j in group):
            break
        start = i + 1
        groups += 1
    return start

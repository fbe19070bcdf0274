"""Split one page's text into title, date, main paragraphs and reader comments.

The page arrives as plain text where every block element became a line, so the
article has to be recovered from line shapes alone.  The approach:

1. hard-wrapped lines are re-joined, then every line gets a verdict from
   :mod:`textlake.clean`: page furniture with a reason (rules, or the source's
   template), running prose, or a short label whose fate depends on its place;
2. the main text is the densest run of prose (a maximum-sum segment where prose
   earns the words it has beyond a teaser's length, labels and links cost a
   little, furniture more), plus further runs large enough on their own
   (multi-part articles, forum posts), joined across list-only gaps;
3. the reader-comment section starts at the first comment widget or threaded
   "handle + indented reply" below the article's start and is split into
   comments by handle lines and blank-line gaps;
4. the title is the line above the text that the text is about, the date an
   explicit day-month-year next to it.

Every input line that does not end up in the title, a paragraph or a comment
is reported in ``dropped`` with its reason.
"""
from __future__ import annotations

import ctypes
import datetime
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import blingfire

from textlake.clean import (
    LineInfo,
    Template,
    analyse_line,
    boilerplate_reason,
    headline_case,
    is_author_line,
    is_comment_marker,
    is_prose,
    is_reply_ui,
    line_key,
)

__all__ = ["Comment", "DroppedLine", "PageSegments", "segment_page", "sentence_spans"]


@dataclass(frozen=True)
class Comment:
    author: str | None
    text: str
    depth: int


@dataclass(frozen=True)
class DroppedLine:
    line_no: int
    reason: str
    text: str


@dataclass(frozen=True)
class PageSegments:
    title: str | None
    published_date: datetime.date | None
    paragraphs: tuple[str, ...]
    comments: tuple[Comment, ...]
    dropped: tuple[DroppedLine, ...]


# Cost of a line for the main-text search: prose earns the words it has beyond
# a teaser's length, labels and links cost a little (a heading between paragraphs
# must not split the article, a 40-item menu must), furniture costs more.
_PROSE_BASE = 10.0
_SHORT_COST = 1.0
_SHORT_WORD_COST = 0.3       # long unpunctuated lines are link titles, they cost more
_FURNITURE_COST = 3.0
_MIN_EXTRA_BLOCK = 30.0      # what a secondary prose run must earn to be kept
_BRIDGE_MAX_LINES = 80       # longest list/table gap inside an article that is bridged
_BRIDGE_FURNITURE = 0.1      # share of furniture lines that marks a gap as page chrome
_ARTICLE_SHARE = 0.25        # a prose run this share of the biggest one can be where the article starts
_MIN_MAIN_WORDS = 25.0       # below this the page has no running text to anchor on
_HEAD_GROUPS = 3             # label groups (bylines, dates, decks) kept above the text
_TITLE_WINDOW = 25           # non-blank lines above the text searched for the headline
_TITLE_BODY_WORDS = 400      # words at the text's start that a headline is checked against
_WORD_RE = re.compile(r"\w+")

# Month names of the major languages the pipeline sees (en, de, fr, es, it, pt, nl, ar with both
# the Egyptian/Gulf and the Levantine series), with the usual abbreviations; an optional "." follows.
_MONTH_NAMES = (
    "jan january januar jän jänner janv janvier enero ene gennaio janeiro januari يناير جانفي كانون_الثاني",
    "feb february februar févr fevr février fevrier febrero febbraio fevereiro februari فبراير فيفري شباط",
    "mar march märz maerz mär mars marzo março maart مارس آذار",
    "apr april avr avril abril abr aprile أبريل ابريل إبريل أفريل نيسان",
    "may mai mayo maggio maio mei مايو ماي أيار",
    "jun june juni juin junio giugno junho يونيو يونيه جوان حزيران",
    "jul july juli juil juillet julio luglio julho يوليو يوليه جويلية تموز",
    "aug august août aout agosto augustus أغسطس اغسطس أوت آب",
    "sep sept september septembre septiembre setiembre settembre setembro سبتمبر أيلول",
    "oct october okt oktober octobre octubre ottobre outubro oktober أكتوبر اكتوبر تشرين_الأول",
    "nov november novembre noviembre novembro نوفمبر تشرين_الثاني",
    "dec december dez dezember déc décembre decembre diciembre dic dicembre dezembro ديسمبر دجنبر كانون_الأول",
)
_MONTHS = {name.replace("_", " "): i for i, names in enumerate(_MONTH_NAMES, start=1) for name in names.split()}
_MONTH_RE = "(" + "|".join(re.escape(m).replace(r"\ ", r"\s+") for m in sorted(_MONTHS, key=len, reverse=True)) \
            + r")\.?(?!\w)"
_YEAR = r"((?:19|20)\d\d)(?!\d)"
_DATE_RES = (
    (re.compile(r"\b((?:19|20)\d\d)[-/.](\d\d?)[-/.](\d\d?)\b|\b((?:19|20)\d\d)\s*[年년]\s*(\d\d?)\s*[月월]\s*(\d\d?)"),
     "ymd"),
    (re.compile(rf"(?<!\w){_MONTH_RE}\s+(\d\d?)(?:st|nd|rd|th)?,?\s+{_YEAR}", re.I), "mdy"),
    (re.compile(rf"\b(\d\d?)(?:st|nd|rd|th|er|º|\.)?\s+(?:of\s+|de\s+)?{_MONTH_RE},?\s+(?:de\s+)?{_YEAR}", re.I),
     "dmy"),
    (re.compile(rf"\b(\d\d?)\.(\d\d?)\.{_YEAR}"), "dmy_num"),
)
# Arabic-Indic and Extended (Persian) digits read as the digits they are.
_DIGIT_MAP = {**{0x660 + d: str(d) for d in range(10)}, **{0x6F0 + d: str(d) for d in range(10)}}
_YEAR_HINT_RE = re.compile(r"(?:19|20)\d\d")
_MONTH_YEAR_RE = re.compile(rf"^{_MONTH_RE}\s+(?:19|20)\d\d$", re.I)
_NAME_LIKE_RE = re.compile(r"^(?:[A-Z][\w'’.-]*\s*){1,3}$")
_CAPTION_MARK_RE = re.compile(r"\)$|\(\w+\)|\.\.\.|…")
_POSTED_BY_RE = re.compile(r"^(?:posted|written|submitted|comment(?:ed)?) by:?\s+([^,|@]+?)\s*(?:[,|@]|\bon\b|\bat\b|$)",
                           re.I)
_BYLINE_RE = re.compile(r"^(?:by|posted|written|published|updated|from|reporting|filed)\b|^(?:كتب|كتبت)\s*:|^بقلم\b",
                        re.I)
_SECTION_SEP_RE = re.compile(r"\s+[-–—|:/]\s+|\s*[|»›>]\s*")
_BLOCK_MIN_WORDS = 7
_RUN_TOGETHER_RE = re.compile(r"(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])")
_CONTINUATION_RE = re.compile(r"(?!(?:by|posted|updated|published|at|on|from|www|o)\b)[a-z]+\b(?![:/@]|\.[a-z])|\([A-Za-z]")
# A line ending in a comma or a function word cannot be a whole block: it was wrapped.
_DANGLING_END_RE = re.compile(r"(?:,|\s(?:the|of|a|an|and|or|to|in|on|at|for|with|by|from|as|that|which|is|was|are"
                              r"|were|his|her|their|its|this|but|than|into|over|under|about))$")
_BULLET_START_RE = re.compile(r"(?:[*•·◦▪►»+\-–]|o|\d{1,2}[.)])\s")
_CLOSERS = frozenset('.!?:;"”’)]»…。！？')

_PROSE, _SHORT, _FURNITURE, _BLANK = range(4)


def _parse_date(text: str) -> datetime.date | None:
    if not text.isascii():
        text = text.translate(_DIGIT_MAP)
    if not _YEAR_HINT_RE.search(text):
        return None
    for pattern, order in _DATE_RES:
        m = pattern.search(text)
        if not m:
            continue
        a, b, c = (g for g in m.groups() if g is not None)
        try:
            if order == "ymd":
                return datetime.date(int(a), int(b), int(c))
            if order == "mdy":
                return datetime.date(int(c), _MONTHS[" ".join(a.casefold().rstrip(".").split())], int(b))
            if order == "dmy_num":
                return datetime.date(int(c), int(b), int(a))
            return datetime.date(int(c), _MONTHS[" ".join(b.casefold().rstrip(".").split())], int(a))
        except (ValueError, KeyError):
            continue
    return None


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


def _main_runs(score: list[float], lo: int, hi: int) -> list[tuple[int, int]]:
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


def _bridge_runs(kinds: list[int], runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join neighbouring text runs across a gap of labels and list items.

    Lists, tables and product boxes inside an article cost enough to split it
    into two runs; when both sides are text and the gap holds (almost) no page
    furniture, the gap is part of the article rather than a menu between two.
    """
    merged = runs[:1]
    for s, e in runs[1:]:
        gap = [k for k in kinds[merged[-1][1]:s] if k != _BLANK]
        if len(gap) <= _BRIDGE_MAX_LINES and sum(k == _FURNITURE for k in gap) <= _BRIDGE_FURNITURE * len(gap):
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def _find_comment_start(infos: list[LineInfo], kinds: list[int], score: list[float],
                        runs: list[tuple[int, int]]) -> int:
    """First comment widget or threaded handle below the start of the main text.

    Sidebars carry "Comments" tabs and "most commented" lists above the article,
    so a marker only counts once the article has begun: inside the first prose
    run that carries a real share of the page's text (a lone junk line does not).
    Threaded replies must sit deeper than the article's own prose, which tells
    them apart from an indented article with sub-headed sections.
    """
    n = len(infos)
    totals = [sum(score[s:e]) for s, e in runs]
    if not totals:
        return n
    start = next(s for (s, _), t in zip(runs, totals) if t >= _ARTICLE_SHARE * max(totals))
    first = next(i for i in range(start, n) if kinds[i] == _PROSE)
    body_indent = infos[first].indent
    for i in range(first + 1, n):
        if kinds[i] == _BLANK:
            continue
        if is_comment_marker(infos[i]) or _is_thread_start(infos, kinds, i, body_indent):
            return i
        if kinds[i] == _PROSE:
            body_indent = min(body_indent, infos[i].indent)
    return n


def _is_thread_start(infos: list[LineInfo], kinds: list[int], i: int, body_indent: int) -> bool:
    """A bulleted handle whose reply text sits indented below it, deeper than the article."""
    info = infos[i]
    if not (info.bullet and is_author_line(info)):
        return False
    for j in range(i + 1, min(i + 4, len(infos))):
        if kinds[j] != _BLANK:
            reply = infos[j]
            return (j > i + 1 and reply.indent > max(info.indent, body_indent) and not reply.bullet
                    and is_prose(reply))
    return False


def _logical_lines(raw: list[str]) -> tuple[list[str], list[int]]:
    """Re-join hard-wrapped lines: (logical lines, index of each one's first raw line).

    A line that stops mid-sentence is one block broken by a <br> or a fixed-width
    wrap, and judging the halves alone would call both of them fragments.  Sure
    signs: it ends in a comma or a function word, or it is a short label ending
    in a colon ("Location:") whose value follows.  A merely unpunctuated end only
    counts when the next line starts in lower case, and not after a headline or
    before a byline or timestamp ("posted 8:58 am", "www.site 2008-01-08").
    """
    lines: list[str] = []
    starts: list[int] = []
    must_join = may_join = False
    for no, ln in enumerate(raw):
        stripped = ln.strip()
        if stripped and not _BULLET_START_RE.match(stripped) and (
                must_join or may_join and _CONTINUATION_RE.match(stripped) and headline_case(lines[-1]) < 0.6):
            lines[-1] = f"{lines[-1].rstrip()} {stripped}"
        else:
            lines.append(ln)
            starts.append(no)
        n_words = stripped.count(" ") + 1 if stripped else 0
        may_join = n_words >= 4 and stripped[-1] not in _CLOSERS
        must_join = (may_join and _DANGLING_END_RE.search(stripped) is not None
                     or 2 <= n_words <= 8 and stripped.endswith(":"))
    return lines, starts


def _classify(infos: list[LineInfo], template: Template) -> tuple[list[int], list[str | None], list[str]]:
    """Per line: kind (prose / short / furniture / blank), furniture reason, repetition key."""
    n = len(infos)
    kinds = [_BLANK] * n
    reasons: list[str | None] = [None] * n
    keys = [line_key(info.text) if info.text else "" for info in infos]
    prose = [bool(info.text) and is_prose(info) for info in infos]
    # When the source's template would take most of a page's prose, the page repeats an
    # article (syndicated, corrected, re-posted): its prose is the content, not the template.
    in_template = [bool(k) and k in template for k in keys] if template else [False] * n
    prose_words = sum(info.n_words for info, p in zip(infos, prose) if p)
    repeated_words = sum(info.n_words for info, p, t in zip(infos, prose, in_template) if p and t)
    spare_prose = repeated_words > 0.8 * prose_words
    for i, info in enumerate(infos):
        if not info.text:
            continue
        repeated = in_template[i] and not (spare_prose and prose[i])
        reason = "template_repeat" if repeated else boilerplate_reason(info)
        if reason:
            kinds[i], reasons[i] = _FURNITURE, reason
        elif prose[i]:
            kinds[i] = _PROSE
        else:
            kinds[i] = _SHORT
    return kinds, reasons, keys


def _line_scores(infos: list[LineInfo], kinds: list[int]) -> list[float]:
    score = [0.0] * len(infos)
    for i, k in enumerate(kinds):
        if k == _PROSE:
            score[i] = infos[i].n_words - _PROSE_BASE
        elif k == _SHORT:
            score[i] = -_SHORT_COST - _SHORT_WORD_COST * infos[i].n_words
        elif k == _FURNITURE:
            score[i] = -_FURNITURE_COST
    return score


def segment_page(text: str, template: Template = Template()) -> PageSegments:
    """Segment one decoded, NFC-normalised page with "\\n" line endings.

    ``template`` holds the line keys (:func:`textlake.clean.line_key`) that the
    page's source repeats on most of its pages (:class:`textlake.clean.SourceProfile`);
    they are dropped as ``template_repeat`` whatever they look like.
    """
    raw = text.split("\n")
    lines, starts = _logical_lines(raw)
    starts.append(len(raw))
    n = len(lines)
    infos = [analyse_line(ln) for ln in lines]

    dropped: list[DroppedLine] = []

    def drop(i: int, reason: str) -> None:
        for no in range(starts[i], starts[i + 1]):
            dropped.append(DroppedLine(no, reason, raw[no]))

    kinds, reasons, keys = _classify(infos, template)
    score = _line_scores(infos, kinds)
    runs = _main_runs(score, 0, n)
    comment_start = _find_comment_start(infos, kinds, score, runs)
    if comment_start < n:
        runs = _main_runs(score, 0, comment_start)

    in_main = [False] * n
    if sum(sum(score[s:e]) for s, e in runs) < _MIN_MAIN_WORDS:
        # Pages without running text (link directories, product lists, tables of
        # contents): their lists are the content, so only furniture goes.
        runs = [(0, comment_start)] if comment_start else []
        title_anchor = next((i for i in range(comment_start) if kinds[i] == _PROSE),
                            next((i + 1 for i in range(comment_start) if kinds[i] == _SHORT), 0))
    else:
        title_anchor = runs[0][0] if runs else comment_start
        if runs and _prose_headline(infos[title_anchor]) and runs[0][1] > title_anchor + 1:
            # a long headline with a comma reads as prose and can open the text run: it is
            # still a candidate, and the text it is checked against starts below it
            title_anchor += 1
        runs = _bridge_runs(kinds, runs)
    for s, e in runs:
        for i in range(s, e):
            in_main[i] = True
    main_start = runs[0][0] if runs else comment_start

    title_idx = _find_title(infos, kinds, keys, title_anchor, runs[0][1] if runs else main_start, template)
    title = infos[title_idx].text if title_idx is not None else None
    head_start = _extend_head(infos, kinds, main_start, title_idx) if title_idx is None or title_idx < main_start \
        else main_start
    for i in range(head_start, main_start):
        in_main[i] = True

    published = _find_date(lines, infos, kinds, title_idx, head_start, main_start, comment_start)

    paragraphs: list[str] = []
    seen: set[str] = set()
    if title_idx is not None:
        seen.add(keys[title_idx])
    for i in range(comment_start):
        k = kinds[i]
        if k == _BLANK or i == title_idx:
            continue
        info = infos[i]
        reason = reasons[i]
        if reason is None:
            if keys[i] in seen:
                reason = "duplicate_line"
            elif not in_main[i]:
                reason = "off_main_block" if k == _PROSE else "short_fragment"
        if reason:
            drop(i, reason)
            continue
        seen.add(keys[i])
        paragraphs.extend(_split_run_together(info.text))

    comments = _split_comments(infos, kinds, reasons, comment_start, drop)
    dropped.sort(key=lambda d: d.line_no)
    return PageSegments(title, published, tuple(paragraphs), tuple(comments), tuple(dropped))


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


def _find_title(infos: list[LineInfo], kinds: list[int], keys: list[str], main_start: int,
                main_end: int, template: Template = Template()) -> int | None:
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
        if kinds[i] == _PROSE:
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
        if kinds[i] == _BLANK:
            continue
        seen_lines += 1
        if seen_lines > _TITLE_WINDOW:
            break
        info = infos[i]
        if (kinds[i] != _SHORT and not (kinds[i] == _PROSE and _prose_headline(info))
                or info.bullet or not 2 <= info.n_words <= 25 or info.n_chars > 200):
            continue
        text = info.text
        if text.endswith((".", ":")) and not text.endswith(".."):
            continue
        if _BYLINE_RE.search(text) or _parse_date(text) or _MONTH_YEAR_RE.search(text):
            continue
        if template and _SECTION_SEP_RE.search(text) and _is_site_label(_SECTION_SEP_RE.split(text), template):
            continue
        capital = headline_case(text)
        content = [w for w in _WORD_RE.findall(text.casefold()) if len(w) >= 4]
        overlap = sum(w in body_words for w in content) / len(content) if content else 0.0
        # decks and captions share the headline's words but run longer
        score = 3.0 * overlap + 0.5 * capital - 0.05 * seen_lines - 0.1 * max(0, info.n_words - 10)
        if counts.get(keys[i], 0) > 1:
            score += 1.0
        if 4 <= info.n_words <= 20:
            score += 1.0
        if info.n_words <= 3 and _NAME_LIKE_RE.match(text):
            score -= 1.5      # a byline or a captioned person, not a headline
        if _CAPTION_MARK_RE.search(text):
            score -= 1.0
        if score > best_score:
            best, best_score = i, score
    return best


def _is_site_label(parts: list[str], template: Template) -> bool:
    """Parts of a separated line: one is a template line (the site's name), the rest a short label."""
    in_template = [line_key(part) in template for part in parts]
    return any(in_template) and all(t or part.count(" ") < 3 for part, t in zip(parts, in_template))


def _prose_headline(info: LineInfo) -> bool:
    """A long headline with a comma reads as prose; unlike prose it does not end in a full stop."""
    return not info.ends_sentence and info.n_words <= 15 and not info.bullet


def _extend_head(infos: list[LineInfo], kinds: list[int], main_start: int, title_idx: int | None) -> int:
    """Pull standalone labels (decks, bylines, dates) between headline and text into the body.

    Menus are runs of adjacent labels; a heading block stands alone between blank
    lines, so only groups of at most two adjacent clean lines are taken.
    """
    start = main_start
    i = main_start - 1
    groups = 0
    floor = title_idx + 1 if title_idx is not None else 0
    while groups < _HEAD_GROUPS and i >= floor:
        while i >= floor and kinds[i] == _BLANK:
            i -= 1
        group_end = i
        while i >= floor and kinds[i] != _BLANK:
            i -= 1
        group = range(i + 1, group_end + 1)
        if not group or len(group) > 2 or any(kinds[j] != _SHORT for j in group):
            break
        start = i + 1
        groups += 1
    return start


def _find_date(lines: list[str], infos: list[LineInfo], kinds: list[int], title_idx: int | None, head_start: int,
               main_start: int, comment_start: int) -> datetime.date | None:
    """An explicit day-month-year next to the headline or at the top of the text.

    Only a full date counts: a month and year alone is usually a widget or archive
    label, and dates below the text's start belong to comments or related items.
    """
    lo = max(0, (title_idx if title_idx is not None else head_start) - 3)
    hi = min(comment_start, main_start + 4)
    for i in range(lo, hi):
        if kinds[i] != _BLANK and infos[i].n_words <= 40:
            # a day number with a dot ("15. März 2026") reads as a list bullet: parse the whole line
            date = _parse_date(lines[i] if infos[i].bullet else infos[i].text)
            if date:
                return date
    return None


def _split_comments(infos: list[LineInfo], kinds: list[int], reasons: list[str | None], start: int,
                    drop: Callable[[int, str], None]) -> list[Comment]:
    """Cut the comment section into (author, text, depth) items.

    A handle line ("jerry hamilton", "Posted by: irf, Accrington on 9:45pm")
    opens a comment.  Comments without a shown author are told apart by the
    section's layout: text after a reply button ("Reply", "Log in to reply",
    "رد"), text set back from the indented reply above it, and text after two or
    more blank lines.  Where the section separates comments neither by reply
    buttons nor by double blank lines and a comment's text is not set in under
    its handle, each comment is one block, so a second block after a blank line
    is the next (author-less) comment; otherwise one blank line inside a comment
    separates its paragraphs.  Reply depth comes from the indentation rank of the
    handle.
    """
    n = len(infos)
    has_buttons = double_gaps = seen_text = False
    run = 0
    for i in range(start, n):
        if kinds[i] == _BLANK:
            run += 1
            continue
        if is_reply_ui(infos[i]):
            has_buttons = True
        double_gaps = double_gaps or seen_text and run >= 2
        seen_text, run = True, 0
    one_block = not (has_buttons or double_gaps)

    items: list[_Item] = []
    blank_run = 2
    closed = False      # a reply button ended the last comment
    indents: list[int] = []
    for i in range(start, n):
        info = infos[i]
        if kinds[i] == _BLANK:
            blank_run += 1
            continue
        gap, blank_run = blank_run, 0
        if is_reply_ui(info):
            closed = True
            drop(i, "comment_ui")
            continue
        if not info.ends_sentence and is_comment_marker(info):      # "Kommentare", "أضف تعليقاً"
            drop(i, "comment_ui")
            continue
        author_like = is_author_line(info)
        if reasons[i] and not (author_like and (info.bullet or reasons[i] == "template_repeat"
                                                and boilerplate_reason(info) is None and _opens_comment(infos, kinds, i))):
            # a commenter who comments on every page (the blog's author) is still a commenter
            drop(i, reasons[i])
            continue
        posted_by = _POSTED_BY_RE.match(info.text) if info.n_words <= 14 else None
        if _parse_date(info.text) and info.n_words <= 8 and not posted_by:
            drop(i, "comment_meta")
            continue
        if posted_by or author_like and _opens_comment(infos, kinds, i):
            indents.append(info.indent)
            items.append(_Item(posted_by.group(1) if posted_by else info.text, info.indent, [i]))
            closed = False
            continue
        cur = items[-1] if items else None
        if (cur is None or gap >= 2 and (cur.paras or cur.author is None)
                or cur.paras and (info.ends_sentence or info.n_words >= 8)
                and (closed or info.indent < cur.text_indent or one_block and gap >= 1 and info.indent <= cur.indent)):
            cur = _Item(None, info.indent, [])
            items.append(cur)
            closed = False
        if not cur.paras:
            cur.text_indent = info.indent
        if gap >= 1 or not cur.paras:
            cur.paras.append([info.text])
        else:
            cur.paras[-1].append(info.text)
        cur.line_nos.append(i)
    levels = sorted(set(indents))
    comments = []
    for item in items:
        author, paras, line_nos = item.author, item.paras, item.line_nos
        body = "\n\n".join("\n".join(p) for p in paras)
        substantive = any(infos[j].ends_sentence or infos[j].n_words >= 8 for j in line_nos)
        if not paras or (author is None and not substantive):
            for j in line_nos:
                drop(j, "comment_ui" if author else "short_fragment")
            continue
        depth = levels.index(item.indent) if author is not None and item.indent in levels else 0
        comments.append(Comment(author, body, depth))
    return comments


@dataclass(slots=True)
class _Item:
    """A comment being collected: its handle, the handle's indent, and its text."""

    author: str | None
    indent: int
    line_nos: list[int]
    paras: list[list[str]] = field(default_factory=list)
    text_indent: int = 0


def _opens_comment(infos: list[LineInfo], kinds: list[int], i: int) -> bool:
    """A handle is followed by text that is not itself another handle."""
    for j in range(i + 1, min(i + 4, len(infos))):
        if kinds[j] != _BLANK:
            return not is_author_line(infos[j]) or infos[j].indent > infos[i].indent and not infos[j].bullet
    return False


_SENTENCES_WITH_OFFSETS = blingfire.blingfire.TextToSentencesWithOffsets
_KEPT_BUFFER = 1 << 17  # capacity of the per-thread buffers; larger paragraphs get their own
_NOT_CONTINUATION = bytes(b for b in range(256) if b & 0xC0 != 0x80)  # deleted to count continuation bytes
_buffers = threading.local()


def _new_buffers(size: int) -> tuple[ctypes.Array, ctypes.Array, ctypes.Array]:
    return ctypes.create_string_buffer(size), (ctypes.c_int32 * size)(), (ctypes.c_int32 * size)()


def _sentence_byte_offsets(data: bytes) -> tuple[list[int], list[int]]:
    """Sentence starts and inclusive ends in ``data`` as UTF-8 byte offsets, from blingfire's C API.

    Zeroing fresh output buffers for every paragraph (as blingfire's Python
    wrapper does) costs more than the segmentation itself, so they are kept and
    reused, per thread because the call releases the GIL; a rare giant paragraph
    gets buffers of its own rather than pinning them in the worker for good.
    """
    size = 2 * len(data)  # the capacity blingfire's wrapper passes: its output can outgrow the input
    if size <= _KEPT_BUFFER:
        buffers = getattr(_buffers, "kept", None)
        if buffers is None:
            buffers = _buffers.kept = _new_buffers(_KEPT_BUFFER)
    else:
        buffers = _new_buffers(size)
    text, starts, ends = buffers
    n = _SENTENCES_WITH_OFFSETS(data, len(data), text, starts, ends, size)
    if n == -1 or n > size:
        return [], []
    count = text[:n].partition(b"\0")[0].count(b"\n") + 1  # the output has one sentence per line
    return starts[:count], ends[:count]


def _char_offsets(data: bytes, starts: list[int], ends: list[int]) -> list[tuple[int, int]]:
    """Byte spans with inclusive ends over UTF-8 ``data`` as [start, end) string indices.

    Characters are counted from one offset to the next (bytes less continuation
    bytes), so a long paragraph is scanned once however many sentences it has.
    """
    indices = []
    pos = chars = 0
    for offset in (o for s, e in zip(starts, ends) for o in (s, e + 1)):
        offset = min(offset, len(data))
        if offset < pos:
            pos = chars = 0
        chars += offset - pos - len(data[pos:offset].translate(None, _NOT_CONTINUATION))
        pos = offset
        indices.append(chars)
    return list(zip(indices[::2], indices[1::2]))


def sentence_spans(paragraph: str) -> list[tuple[int, int]]:
    """Sentence [start, end) offsets in ``paragraph`` as Python string indices.

    blingfire reports UTF-8 byte offsets, which drift from string indices as
    soon as a paragraph holds non-ASCII text (Arabic, curly quotes); its Python
    wrapper maps them back with a Python loop over every byte, which cost more
    than the segmentation, so the C API is called here and only non-ASCII
    paragraphs are mapped, by counting UTF-8 continuation bytes in C.
    """
    if not paragraph.strip():
        return []
    data = paragraph.encode("utf-8")
    starts, ends = _sentence_byte_offsets(data)
    if paragraph.isascii():
        offsets = [(s, e + 1) for s, e in zip(starts, ends)]
    else:
        offsets = _char_offsets(data, starts, ends)
    spans = []
    for s, e in offsets:
        while s < e and paragraph[s].isspace():
            s += 1
        while e > s and paragraph[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans

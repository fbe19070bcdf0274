"""Reader comments: where the comment section starts, and how it splits into comments.

A comment section opens with a heading or widget ("Comments", "Leave a reply",
"6 thoughts on “…”") or with a threaded handle whose reply sits indented below it, and it
only counts below the start of the article (sidebars carry "Comments" tabs too). Inside
it, handle lines, reply buttons and blank-line gaps cut it into comments with an author
and a reply depth.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from textlake.clean import BLANK, PROSE
from textlake.comment_lines import (
    FORM_CALL_RE,
    dated_handle,
    interface_lines,
    is_author_line,
    is_button_row,
    is_comment_marker,
    is_meta,
    is_reply_ui,
    reads_as_phrase,
    reply_to,
    says_handle,
)
from textlake.furniture import boilerplate_reason
from textlake.line_features import stoplist
from textlake.lines import LineInfo, is_prose
from textlake.reasons import Reason

_ARTICLE_SHARE = 0.25  # a prose run this share of the biggest one can be where the article starts


@dataclass(frozen=True)
class Comment:
    author: str | None
    text: str
    depth: int
    lines: tuple[int, int] = (0, 0)  # the first and last line of its text in the decoded page, from 0


def find_comment_start(infos: list[LineInfo], kinds: list[int], score: list[float], runs: list[tuple[int, int]]) -> int:
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
    start = next(s for (s, _), t in zip(runs, totals, strict=True) if t >= _ARTICLE_SHARE * max(totals))
    first = next(i for i in range(start, n) if kinds[i] == PROSE)
    body_indent = infos[first].indent
    for i in range(first + 1, n):
        if kinds[i] == BLANK:
            continue
        if (
            is_comment_marker(infos[i])
            or _is_thread_start(infos, kinds, i, body_indent)
            or _is_said(infos, kinds, i)
            or _is_reply_list(infos, kinds, i)
        ):
            return i
        if kinds[i] == PROSE:
            body_indent = min(body_indent, infos[i].indent)
    return n


_REPLY_LIST_REACH = 40  # lines within which a second dated handle makes a list of replies


def _is_reply_list(infos: list[LineInfo], kinds: list[int], i: int) -> bool:
    """A handle over its date, its text and a reply button, with another handle below: the replies of a
    forum thread or a comment plugin without a heading (Discourse, phpBB)."""
    if not _dated_handle(infos, kinds, i):
        return False
    for j in range(i + 2, min(i + _REPLY_LIST_REACH, len(infos))):
        if _dated_handle(infos, kinds, j):
            return any(kinds[k] != BLANK and is_reply_ui(infos[k]) for k in range(i + 2, j))
    return False


def _dated_handle(infos: list[LineInfo], kinds: list[int], i: int) -> bool:
    info = infos[i]
    if kinds[i] == BLANK or info.bullet or not is_author_line(info) or is_comment_marker(info) or _BYLINE_RE.match(info.text):
        return False
    following = _next_text(infos, kinds, i, reach=4)
    return len(following) == 2 and is_meta(infos[following[0]]) and not is_author_line(infos[following[1]])


def _is_thread_start(infos: list[LineInfo], kinds: list[int], i: int, body_indent: int) -> bool:
    """A bulleted handle whose reply text sits indented below it, deeper than the article."""
    info = infos[i]
    if not (info.bullet and is_author_line(info)):
        return False
    for j in range(i + 1, min(i + 4, len(infos))):
        if kinds[j] != BLANK:
            reply = infos[j]
            return j > i + 1 and reply.indent > max(info.indent, body_indent) and not reply.bullet and is_prose(reply)
    return False


def split_comments(
    infos: list[LineInfo],
    kinds: list[int],
    reasons: list[Reason | None],
    keys: list[str],
    start: int,
    drop: Callable[[int, Reason], None],
    starts: list[int],
    lexical: np.ndarray,
    lexicon_keys: list[str],
    language: str = "und",
    quoted: frozenset[str] = frozenset(),
) -> list[Comment]:
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
    handle. `starts` maps logical lines to the page's lines, for each comment's `lines`;
    `quoted` holds the keys of the article's lines, which a comment only quotes; `lexical` and
    `lexicon_keys` are the comment section's lexicon scores and normalised lines (`Lexicon.match`).
    """
    n = len(infos)
    has_buttons = double_gaps = seen_text = False
    run = 0
    for i in range(start, n):
        if kinds[i] == BLANK:
            run += 1
            continue
        if is_reply_ui(infos[i]):
            has_buttons = True
        double_gaps = double_gaps or seen_text and run >= 2
        seen_text, run = True, 0
    one_block = not (has_buttons or double_gaps)

    interface = interface_lines(infos[start:], lexical, lexicon_keys)
    stops = stoplist(language)
    items: list[_Item] = []
    blank_run = 2
    closed = False  # a reply button ended the last comment
    for i in range(start, n):
        info = infos[i]
        if kinds[i] == BLANK:
            blank_run += 1
            continue
        gap, blank_run = blank_run, 0
        cur = items[-1] if items else None
        if is_reply_ui(info) or is_button_row(info):
            closed = True
            if cur is not None and cur.paras:
                cur.evidence = True
            drop(i, Reason.COMMENT_UI)
            continue
        if reply_to(info):  # "Reply to  Name" under a handle: the comment is a reply
            if cur is not None:
                cur.reply = True
            drop(i, Reason.COMMENT_META)
            continue
        if interface[i - start] or not info.ends_sentence and is_comment_marker(info):  # "Kommentare", "Name *"
            drop(i, Reason.COMMENT_UI)
            continue
        said = (says_handle(info.text) or dated_handle(info.text)) if info.n_words <= 16 else None
        if said is None and is_meta(info):
            if cur is not None and reply_to(info):
                cur.reply = True
            drop(i, Reason.COMMENT_META)
            continue
        if said is None and info.bullet and not info.ends_sentence and not is_author_line(info):
            drop(i, Reason.SHORT_FRAGMENT)  # a link list under the comments: recent posts, archives
            continue
        author_like = (
            said is None and is_author_line(info) and not _BYLINE_RE.match(info.text) and not reads_as_phrase(info.text, stops)
        )
        if (
            said is None
            and reasons[i]
            and not (
                author_like
                and (
                    info.bullet
                    or reasons[i] == Reason.TEMPLATE_REPEAT
                    and boilerplate_reason(info) is None
                    and _opens_comment(infos, kinds, i)
                )
            )
        ):
            # a commenter who comments on every page (the blog's author) is still a commenter
            drop(i, reasons[i])
            continue
        if cur is not None and cur.author is not None and not cur.paras and _under_handle(infos, kinds, i, said, cur.author):
            drop(i, Reason.COMMENT_META)  # a line under the handle: the commenter's place, affiliation, post header
            continue
        if keys[i] in quoted:
            drop(i, Reason.DUPLICATE_LINE)  # a line of the article, quoted
            continue
        if said or author_like and _opens_comment(infos, kinds, i):
            items.append(_Item(said or info.text, info.indent, [i], evidence=bool(said) or _dated(infos, kinds, i)))
            closed = False
            continue
        substantive = info.ends_sentence or info.n_words >= 8
        if not substantive and (closed or cur is not None and cur.paras and gap >= 1 and not has_buttons):
            # after a comment's buttons, or a blank line below its text: page furniture, not comment text
            drop(i, Reason.SHORT_FRAGMENT)
            continue
        if (
            cur is None
            or gap >= 2
            and (cur.paras or cur.author is None)
            or cur.paras
            and (info.ends_sentence or info.n_words >= 8)
            and (closed or info.indent < cur.text_indent or one_block and gap >= 1 and info.indent <= cur.indent)
        ):
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
    kept = [(item, text) for item, text in ((item, _text_lines(item)) for item in items) if _substantive(item, text, infos)]
    for item in items:
        if not _substantive(item, _text_lines(item), infos):
            # a handle over a link list ("Recent Posts", "Privacy Policy") or a lone label is not a comment
            for j in item.line_nos:
                drop(j, Reason.COMMENT_UI if item.author else Reason.SHORT_FRAGMENT)
    kept = _comment_list(kept, infos, kinds, start, drop)
    levels = sorted({item.indent for item, _ in kept if item.author is not None})
    comments = []
    for item, text_lines in kept:
        author = item.author
        body = "\n\n".join("\n".join(p) for p in item.paras)
        depth = levels.index(item.indent) if author is not None and item.indent in levels else 0
        if item.reply:
            depth = max(depth, 1)
        comments.append(Comment(author, body, depth, (starts[text_lines[0]], starts[text_lines[-1] + 1] - 1)))
    return comments


@dataclass(slots=True)
class _Item:
    """A comment being collected: its handle, the handle's indent, and its text."""

    author: str | None
    indent: int
    line_nos: list[int]
    paras: list[list[str]] = field(default_factory=list)
    text_indent: int = 0
    reply: bool = False  # a "Reply to  Name" line under the handle
    # what shows it is a reader comment: a "says:" handle, a date under the handle, or reply buttons under the text
    evidence: bool = False


def _opens_comment(infos: list[LineInfo], kinds: list[int], i: int) -> bool:
    """A handle is followed by its metadata (a date, an age) or by text, possibly after one line of
    affiliation ("Works at …", a town), and not by another handle."""
    following = _next_text(infos, kinds, i, reach=5)
    if not following:
        return False
    first = infos[following[0]]
    if is_meta(first):
        return True
    if not is_author_line(first) or first.indent > infos[i].indent and not first.bullet:
        return True
    if len(following) < 2:
        return False
    second = infos[following[1]]
    return following[1] == following[0] + 1 and (second.ends_sentence or second.n_words >= 8) and not is_author_line(second)


def _under_handle(infos: list[LineInfo], kinds: list[int], i: int, said: str | None, author: str) -> bool:
    """A short line between a handle and its text: a place, an affiliation, a forum post header naming the author."""
    if said is not None:
        return said == author
    info = infos[i]
    if info.ends_sentence or info.n_words > 6 or info.text.endswith((",", "!")):  # "Hey," opens the text
        return False
    nxt = next((j for j in range(i + 1, min(i + 4, len(infos))) if kinds[j] != BLANK), None)
    return nxt is not None and nxt == i + 1 and (infos[nxt].ends_sentence or infos[nxt].n_words >= 8)


def _is_said(infos: list[LineInfo], kinds: list[int], i: int) -> bool:
    """A "Name says:" handle over a comment's date or text ("Posted by" is as often the article's own byline)."""
    info = infos[i]
    return info.n_words <= 16 and says_handle(info.text, posted_by=False) is not None and _opens_comment(infos, kinds, i)


def _dated(infos: list[LineInfo], kinds: list[int], i: int) -> bool:
    """The handle's next lines carry the comment's date or age ("3 years ago", "2. März 2023 um 7:45 Uhr")."""
    following = _next_text(infos, kinds, i, reach=5)
    return any(is_meta(infos[j]) for j in following)


_BYLINE_RE = re.compile(r"^(?:by|von|par|por|di|door|przez|автор)\s", re.I)


def _plain_comment(item: _Item, infos: list[LineInfo], kinds: list[int]) -> bool:
    """A name, not a byline, over prose only: one entry of a comment list without dates or buttons."""
    text_lines = item.line_nos[1:]
    return (
        bool(text_lines)
        and not _BYLINE_RE.match(item.author or "")
        and all(kinds[j] == PROSE or infos[j].ends_sentence for j in text_lines)
    )


def _text_lines(item: _Item) -> list[int]:
    return item.line_nos[1:] if item.author is not None else item.line_nos  # an authored item opens with its handle


def _substantive(item: _Item, text_lines: list[int], infos: list[LineInfo]) -> bool:
    """Text a reader wrote: a sentence, a long line, or under a handle a few words ("so common, very python")."""
    return any(infos[j].ends_sentence or infos[j].n_words >= (3 if item.author else 8) for j in text_lines)


def _comment_list(kept: list, infos: list[LineInfo], kinds: list[int], start: int, drop) -> list:
    """The items that are reader comments: none unless the section shows comment structure, and none after its end.

    The structure is a "says:" or dated handle, reply buttons under the text, a threaded handle
    opening the section, or, under a comment heading, name after name over prose. The list ends
    with its last item that shows it (its last plain name over prose when none does): below it
    are sidebars and footers, whatever their shape.
    """
    plain = [k for k, (item, _) in enumerate(kept) if item.author is not None and _plain_comment(item, infos, kinds)]
    strong = [k for k, (item, _) in enumerate(kept) if item.evidence]
    # opened by a thread's first handle, or by a comment heading that is not an item of a link bar
    threaded = start < len(infos) and infos[start].bullet and is_author_line(infos[start]) and not is_comment_marker(infos[start])
    headed = start < len(infos) and not infos[start].bullet and is_comment_marker(infos[start])
    if strong:
        end = strong[-1]
        base = min(kept[k][0].indent for k in strong)
        while end + 1 < len(kept) and _is_reply_handle(kept[end + 1][0], infos, base):
            end += 1  # the last comment's replies, which carry no buttons of their own
    elif (threaded or headed) and plain:
        end = len(kept) - 1  # under a heading or a threaded handle, with names over prose: the old-style list
    else:
        end = -1
    # Under a call to comment ("Leave a Reply") the form comes first: comments below it show their own evidence.
    begin = strong[0] if strong else 0
    form_first = start < len(infos) and bool(FORM_CALL_RE.search(infos[start].text))
    if not strong and end >= 0:
        end = _contiguous_end(kept, kinds, start)
    comments = []
    for k, (item, text_lines) in enumerate(kept):
        filler = not form_first and (item.author is None or k in plain or not strong)
        if begin <= k <= end and (item.evidence or filler):
            comments.append((item, text_lines))
        else:
            for j in item.line_nos:
                drop(j, Reason.OFF_MAIN_BLOCK if kinds[j] == PROSE else Reason.SHORT_FRAGMENT)
    return comments


def _is_reply_handle(item: _Item, infos: list[LineInfo], base: int) -> bool:
    return item.author is not None and (infos[item.line_nos[0]].bullet or item.indent > base)


_LIST_BREAK = 6  # non-blank lines between two entries of a list without dates or buttons that end it


def _contiguous_end(kept: list, kinds: list[int], start: int) -> int:
    """The last entry of a list of comments without dates or buttons: the list follows its heading, and
    sidebars and footers below it stand apart, by more than a few lines, from the comments and each other."""
    end = -1
    previous = start
    for k, (item, _) in enumerate(kept):
        # the gap before the entry, and the gaps inside it (an entry that spans a sidebar is not one)
        if any(
            sum(kinds[j] != BLANK for j in range(a + 1, b)) > _LIST_BREAK
            for a, b in zip([previous, *item.line_nos[:-1]], item.line_nos, strict=True)
        ):
            break
        end, previous = k, item.line_nos[-1]
    return end


def _next_text(infos: list[LineInfo], kinds: list[int], i: int, reach: int) -> list[int]:
    """The first two non-blank lines within `reach` lines below line `i`: a handle's date, affiliation or text."""
    return [j for j in range(i + 1, min(i + 1 + reach, len(infos))) if kinds[j] != BLANK][:2]

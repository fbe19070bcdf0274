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

from textlake.clean import BLANK, PROSE
from textlake.dates import parse_date
from textlake.furniture import boilerplate_reason
from textlake.lines import LineInfo, is_prose
from textlake.reasons import Reason

_ARTICLE_SHARE = 0.25  # a prose run this share of the biggest one can be where the article starts
_POSTED_BY_RE = re.compile(r"^(?:posted|written|submitted|comment(?:ed)?) by:?\s+([^,|@]+?)\s*(?:[,|@]|\bon\b|\bat\b|$)", re.I)


@dataclass(frozen=True)
class Comment:
    author: str | None
    text: str
    depth: int


# Comment-section headings and widgets in the languages the pipeline sees most
# (en, de, fr, es, it, pt, nl, ar): the noun alone as a heading, or a call to comment.
_COMMENT_NOUNS = (
    r"comments?|reader comments|responses?|replies|discussion|talkback|kommentare|leserkommentare"
    r"|commentaires|comentarios|comentários|commenti|reacties|التعليقات|تعليقات"
)
_COMMENT_MARKER_RE = re.compile(
    rf"^(?:\d+\s+)?(?:{_COMMENT_NOUNS})\b(?:\s*\(\d+\))?\W*$"
    rf"|^[1-9]\d*\s+(?:{_COMMENT_NOUNS})\b"
    r"|\b(?:notify of|view all comments|inline feedbacks|leave a (?:reply|comment)|post a comment"
    r"|add (?:a|your) comment|comments (?:so far|to this entry)"
    r"|what do you think\??$|have your say|join the discussion"
    r"|(?:schreibe|hinterlasse) einen kommentar|kommentar (?:schreiben|verfassen)"
    r"|laisser un commentaire|ajouter un commentaire|(?:deja|dejar|publicar|añadir) (?:un|tu) comentario"
    r"|lascia un commento|deixe (?:um|seu) comentário|laat een reactie achter|plaats een reactie)"
    r"|^(?:أضف|اترك|اكتب|أضيفي|شارك) (?:تعليق|رأيك)",
    re.I,
)
# WordPress-style "6 thoughts on “Title”" heads the comment list and runs as long as the title.
_THOUGHTS_ON_RE = re.compile(r"^[1-9]\d*\s+(?:thoughts?|comments?|responses?|replies|reactions?)\s+(?:on|to)\s+\W", re.I)


def is_comment_marker(info: LineInfo) -> bool:
    """A heading or widget that opens the reader-comment section."""
    if info.n_words <= 8:
        if _COMMENT_MARKER_RE.search(info.text):
            return True
    elif info.n_words > 40:
        return False
    return info.text[:1].isdigit() and bool(_THOUGHTS_ON_RE.match(info.text))


# The button under every comment; in a comment list it closes the comment above it.
_REPLY_UI_RE = re.compile(
    r"^(?:reply|antworten|répondre|repondre|responder|rispondi|responda|beantwoorden|reageer|ответить"
    r"|رد|ردّ|الرد|回复|返信|답글)(?:\s*(?:↓|→|»|›|to this(?: comment)?|\(\d+\)))?$"
    r"|^(?:log|sign) ?in to (?:reply|comment)$|^reply to (?:this )?(?:comment|\S+)$",
    re.I,
)


def is_reply_ui(info: LineInfo) -> bool:
    """The reply button or its log-in variant under a reader comment."""
    return info.n_words <= 5 and bool(_REPLY_UI_RE.match(info.text))


_NAME_RE = re.compile(r"^[\w][\w'’.\- ]*$")
_ABBREV_END_RE = re.compile(r"(?:\b(?:Jr|Sr|Dr|St|Esq)|\b[A-Z])\.$")


def is_author_line(info: LineInfo) -> bool:
    """A commenter's handle: one to five name-like words and no sentence punctuation."""
    if not (1 <= info.n_words <= 5 and info.n_chars <= 40):
        return False
    text = info.text
    if info.ends_sentence and not _ABBREV_END_RE.search(text):
        return False
    return bool(_NAME_RE.match(text))


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
        if is_comment_marker(infos[i]) or _is_thread_start(infos, kinds, i, body_indent):
            return i
        if kinds[i] == PROSE:
            body_indent = min(body_indent, infos[i].indent)
    return n


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
    infos: list[LineInfo], kinds: list[int], reasons: list[Reason | None], start: int, drop: Callable[[int, Reason], None]
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
    handle.
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

    items: list[_Item] = []
    blank_run = 2
    closed = False  # a reply button ended the last comment
    indents: list[int] = []
    for i in range(start, n):
        info = infos[i]
        if kinds[i] == BLANK:
            blank_run += 1
            continue
        gap, blank_run = blank_run, 0
        if is_reply_ui(info):
            closed = True
            drop(i, Reason.COMMENT_UI)
            continue
        if not info.ends_sentence and is_comment_marker(info):  # "Kommentare", "أضف تعليقاً"
            drop(i, Reason.COMMENT_UI)
            continue
        author_like = is_author_line(info)
        if reasons[i] and not (
            author_like
            and (
                info.bullet
                or reasons[i] == Reason.TEMPLATE_REPEAT
                and boilerplate_reason(info) is None
                and _opens_comment(infos, kinds, i)
            )
        ):
            # a commenter who comments on every page (the blog's author) is still a commenter
            drop(i, reasons[i])
            continue
        posted_by = _POSTED_BY_RE.match(info.text) if info.n_words <= 14 else None
        if parse_date(info.text) and info.n_words <= 8 and not posted_by:
            drop(i, Reason.COMMENT_META)
            continue
        if posted_by or author_like and _opens_comment(infos, kinds, i):
            indents.append(info.indent)
            items.append(_Item(posted_by.group(1) if posted_by else info.text, info.indent, [i]))
            closed = False
            continue
        cur = items[-1] if items else None
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
    levels = sorted(set(indents))
    comments = []
    for item in items:
        author, paras, line_nos = item.author, item.paras, item.line_nos
        body = "\n\n".join("\n".join(p) for p in paras)
        substantive = any(infos[j].ends_sentence or infos[j].n_words >= 8 for j in line_nos)
        if not paras or (author is None and not substantive):
            for j in line_nos:
                drop(j, Reason.COMMENT_UI if author else Reason.SHORT_FRAGMENT)
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
        if kinds[j] != BLANK:
            return not is_author_line(infos[j]) or infos[j].indent > infos[i].indent and not infos[j].bullet
    return False

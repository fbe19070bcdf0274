"""Line features: what one line of a page looks like, computed once and shared by every rule.

Language-neutral on purpose (pages come in many languages): words and characters,
indentation and bullets, sentence punctuation, and the shapes that tell running prose
from labels, links and headlines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BULLET_RE = re.compile(r"^(?:[*•·◦▪►»+\-–]|o(?=\s)|\d{1,2}[.)])\s+")
_SENT_END = frozenset(".!?…。！？:؟۔।")
_QUOTE_END = frozenset('"”’)]」』')
# Scripts written without spaces: about two characters carry what a word does in English.
_UNSPACED_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")


@dataclass(slots=True)
class LineInfo:
    """Cheap per-line features, computed once and shared by all rules."""

    text: str  # stripped, bullet removed
    indent: int
    bullet: bool
    n_words: int
    n_chars: int
    ends_sentence: bool


def analyse_line(raw: str) -> LineInfo:
    stripped = raw.lstrip()
    indent = len(raw) - len(stripped)
    stripped = stripped.rstrip()
    m = _BULLET_RE.match(stripped)
    text = stripped[m.end() :] if m else stripped
    return LineInfo(
        text=text,
        indent=indent,
        bullet=m is not None,
        n_words=len(text.split()) + (0 if text.isascii() else len(_UNSPACED_RE.findall(text)) // 2),
        n_chars=len(text),
        ends_sentence=text[-1:] in _SENT_END or text[-1:] in _QUOTE_END and text[-2:-1] in _SENT_END,
    )


_MAX_WORD_CHARS = 12  # average word length beyond which a "line" is glued-together link text
# A link title glued to its teaser ("...Student-AthleteA 24-year-old woman"): the
# html-to-text step lost the break between two elements of a link list.
_GLUED_TEASER_RE = re.compile(
    r"[a-z0-9]{2}(?:A|An|The|In|On|At|For|When|After|As|If|It|This|I)\s"
    r"|[a-z]{4}[A-Z][a-z]+\s[a-z]|[a-z]{2}[?!)][A-Z][a-z]"
)
_CASE_JOIN_RE = re.compile(r"[a-z0-9?!)][A-Z]")  # cheap necessary condition for the pattern above
_COMMAS = frozenset(",;、，")


def is_prose(info: LineInfo) -> bool:
    """A line that reads like running text rather than a label or a link.

    Sentences carry punctuation and enough words; link texts and labels are short
    and unpunctuated.  Language-neutral on purpose (pages come in many languages).
    """
    if info.n_chars > _MAX_WORD_CHARS * info.n_words:
        return False
    if info.ends_sentence:
        sentence_like = info.n_words >= 12 or info.n_words >= 6 and not info.bullet
    elif info.n_words < 12 or headline_case(info.text) > 0.6:
        return False
    else:
        sentence_like = not _COMMAS.isdisjoint(info.text) or info.n_words >= 40 and headline_case(info.text) < 0.3
    return sentence_like and not (_CASE_JOIN_RE.search(info.text) and _GLUED_TEASER_RE.search(info.text))


def headline_case(text: str) -> float:
    """Share of words starting upper-case (or non-letter): near 1 for Title Case headlines and menus."""
    words = text.split()
    if not words:
        return 0.0
    return sum(1 for w in words if w[:1].isupper() or not w[:1].isalpha()) / len(words)

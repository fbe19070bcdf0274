"""Line-level evidence for separating a page's main text from its leftovers.

Raw page text mixes the article with menus, widgets and footers.  Every decision
here looks at one line (plus, for repetition, other lines of the page or other
documents of the same source) and answers keep/drop with a short reason code, in
the style of datatrove filters, so that every dropped line can be explained.

Rules are generic web-page shapes (separator-joined menus, bullet lists, money
amounts, UI vocabulary every site uses); there are no per-site rules.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = [
    "LineInfo",
    "SourceProfile",
    "Template",
    "analyse_line",
    "boilerplate_reason",
    "headline_case",
    "is_author_line",
    "is_comment_marker",
    "is_prose",
    "is_reply_ui",
    "key_hash",
    "line_key",
]

_DIGIT_RE = re.compile(r"\d+")
_EDGE_CHARS = " \t\u00a0_" + "!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~" + "•·◦▪►»«›‹“”‘’„–—…¦©®™§¶°"
_KEY_MAX = 160


def line_key(line: str) -> str:
    """Key under which the same boilerplate line matches across documents.

    Dates, counters and prices change from page to page while the widget around
    them does not, so every run of digits collapses to one 0 ("12 comments" and
    "3 comments" share a key); bullets, case and edge punctuation are
    presentation, not identity.
    """
    key = " ".join(line.split()).casefold()
    if not key.isalpha():
        key = _DIGIT_RE.sub("0", key).strip(_EDGE_CHARS)
    return key[:_KEY_MAX]


def key_hash(key: str) -> int:
    """A line key as 64 bits, the same in every process and run.

    Profiles hold hundreds of thousands of keys per source; as integers they cost a
    tenth of the strings to keep, merge, persist and ship between processes.
    Python's own ``hash`` is salted per process, so it cannot serve.
    """
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class Template:
    """The line keys a source repeats on its pages, tested by membership like a set of keys."""

    hashes: frozenset[int] = frozenset()

    def __contains__(self, key: str) -> bool:
        return bool(self.hashes) and key_hash(key) in self.hashes

    def __len__(self) -> int:
        return len(self.hashes)


class SourceProfile:
    """How often each line key occurs across the documents of one source.

    Menus, footers and widgets repeat on every page of a site while article text
    does not; counting each key once per document makes the share of documents a
    direct measure of "this line is the site's template". Keys are held as sorted
    64-bit hashes with counts (16 bytes a key), so a shard's or a source's whole
    history fits in a few megabytes.
    """

    PRUNE_AT = 200_000
    _PENDING_MAX = 100_000

    def __init__(self, n_docs: int = 0, keys: np.ndarray | None = None, counts: np.ndarray | None = None) -> None:
        self.n_docs = n_docs
        self._keys = np.empty(0, np.uint64) if keys is None else np.asarray(keys, np.uint64)
        self._counts = np.empty(0, np.uint32) if counts is None else np.asarray(counts, np.uint32)
        self._pending: list[int] = []

    def observe(self, text: str) -> None:
        keys = {line_key(ln) for ln in text.split("\n")}
        keys.discard("")
        self.n_docs += 1
        self._pending.extend(key_hash(k) for k in keys)
        if len(self._pending) > self._PENDING_MAX:
            self.counts()
            self.prune()

    def prune(self) -> None:
        """Forget keys seen once when there are too many to keep.

        A key seen once can never become template on its own; forgetting it bounds the
        memory and the persisted size of huge sources at the cost of a slightly late start.
        """
        if len(self._keys) > self.PRUNE_AT:
            frequent = self._counts > 1
            self._keys, self._counts = self._keys[frequent], self._counts[frequent]

    def _fold(self, keys: np.ndarray, counts: np.ndarray) -> None:
        merged, where = np.unique(np.concatenate([self._keys, keys]), return_inverse=True)
        totals = np.bincount(where, weights=np.concatenate([self._counts, counts]), minlength=len(merged))
        self._keys, self._counts = merged, totals.astype(np.uint32)

    def counts(self) -> tuple[np.ndarray, np.ndarray]:
        """(sorted key hashes, documents per key)."""
        if self._pending:
            self._fold(np.array(self._pending, np.uint64), np.ones(len(self._pending), np.uint32))
            self._pending = []
        return self._keys, self._counts

    def template(self, min_docs: int = 2, min_share: float = 0.3) -> Template:
        """Keys frequent enough to be the source's page template.

        Two different articles almost never share a verbatim line, so two documents
        are enough evidence for a small source; the share keeps rotating sidebar
        teasers of a large source out.  ``min_docs`` is floored at 2 so a single
        document can never declare its own lines boilerplate.
        """
        floor = max(2, min_docs, int(min_share * self.n_docs + 0.999999))
        keys, counts = self.counts()
        return Template(frozenset(keys[counts >= floor].tolist()))

    def merge(self, other: SourceProfile) -> None:
        keys, counts = other.counts()
        self.counts()
        self.n_docs += other.n_docs
        self._fold(keys, counts)

    def __getstate__(self) -> dict:
        self.counts()
        return {"n_docs": self.n_docs, "keys": self._keys, "counts": self._counts}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["n_docs"], state["keys"], state["counts"])


# --------------------------------------------------------------------------- line features

_BULLET_RE = re.compile(r"^(?:[*•·◦▪►»+\-–]|o(?=\s)|\d{1,2}[.)])\s+")
_SENT_END = frozenset(".!?…。！？:؟۔।")
_QUOTE_END = frozenset("\"”’)]」』")
# Scripts written without spaces: about two characters carry what a word does in English.
_UNSPACED_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")


@dataclass(slots=True)
class LineInfo:
    """Cheap per-line features, computed once and shared by all rules."""

    text: str          # stripped, bullet removed
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
    text = stripped[m.end():] if m else stripped
    return LineInfo(
        text=text,
        indent=indent,
        bullet=m is not None,
        n_words=len(text.split()) + (0 if text.isascii() else len(_UNSPACED_RE.findall(text)) // 2),
        n_chars=len(text),
        ends_sentence=text[-1:] in _SENT_END or text[-1:] in _QUOTE_END and text[-2:-1] in _SENT_END,
    )


_MAX_WORD_CHARS = 12   # average word length beyond which a "line" is glued-together link text
# A link title glued to its teaser ("...Student-AthleteA 24-year-old woman"): the
# html-to-text step lost the break between two elements of a link list.
_GLUED_TEASER_RE = re.compile(r"[a-z0-9]{2}(?:A|An|The|In|On|At|For|When|After|As|If|It|This|I)\s"
                              r"|[a-z]{4}[A-Z][a-z]+\s[a-z]|[a-z]{2}[?!)][A-Z][a-z]")
_CASE_JOIN_RE = re.compile(r"[a-z0-9?!)][A-Z]")   # cheap necessary condition for the pattern above
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


# --------------------------------------------------------------------------- boilerplate rules

# Each entry: (reason, pattern, max words of a line the pattern may condemn).  The
# word cap keeps vocabulary rules from killing real sentences that mention the word.
_MONEY = r"[$€£¥]"
_RULES: tuple[tuple[str, re.Pattern[str], int], ...] = (
    ("donation_widget", re.compile(
        rf"^(?:{_MONEY}\s*[\d.,]+|[\d.,]+\s*{_MONEY})(?:\s*(?:/|of)\s*(?:{_MONEY}\s*[\d.,]+|[\d.,]+\s*{_MONEY}))?$"
        r"|\b(?:donat(?:e|ion|ions)|^support (?:us|our|\S+(?: \S+)?)$|consider (?:helping|supporting)"
        r"|help us (?:keep|continue|grow|fund)|patreon|paypal|buy me a coffee|become a (?:patron|member|supporter))",
        re.I), 10),
    ("comment_ui", re.compile(
        r"\b(?:notify of|(?:newest|oldest)(?:\s+(?:first|newest|oldest|most voted))+|most voted|inline feedbacks?"
        r"|view all comments|(?:leave|post|add|write|submit) (?:a|your|new)? ?(?:comment|reply|response)"
        r"|comments? (?:are|is) closed|please comment|thoughts\W+please"
        r"|\d+ (?:comments?|repl(?:y|ies)|responses?)\b|(?:read|show|load|view) (?:more|all|\d+)? ?(?:comments|replies)"
        r"|report (?:abuse|this (?:post|comment))|comment policy|reply\s*$|^comments?\s*(?:\(\d+\))?$|^replies\s*$"
        r"|log ?in to (?:comment|reply)|^(?:antworten|répondre|responder|rispondi|رد|ردّ)$"
        r"|talkback|have your say)\b", re.I), 8),
    ("share_widget", re.compile(
        r"\b(?:share|tweet|facebook|twitter|linkedin|pinterest|whatsapp|reddit|digg|del\.icio\.us|stumbleupon"
        r"|e-?mail (?:this|to a friend)|print (?:this|article|page)|bookmark|permalink|telegram|vkontakte|instagram"
        r"|youtube|follow us|like us)\b|^print$|^e-?mail$|^save$", re.I), 5),
    ("share_widget", re.compile(r"\b(?:follow|like|join|find) us on\b", re.I), 25),
    ("caption", re.compile(
        r"\b(?:photo|image|picture|source|credit|courtesy|file photo)\s*:|\((?:photo|image|getty)\b"
        r"|\bclick (?:to|here to) (?:see|enlarge|view|zoom)|\b(?:photo|picture|image)s? (?:by|courtesy|credit)"
        r"|getty images|\bap photo\b", re.I), 25),
    ("subscribe_widget", re.compile(
        r"\b(?:subscribe|subscription|newsletter|sign ?up|rss|(?:news|e-?mail|web) ?(?:feeds?|alerts?)|unsubscribe"
        r"|mailing list)\b", re.I), 10),
    ("cookie_notice", re.compile(
        r"\b(?:cookies?|privacy (?:policy|notice|statement|settings)|terms (?:of|and) (?:use|service|conditions)"
        r"|gdpr|consent)\b", re.I), 40),
    ("copyright", re.compile(r"©|\(c\)\s*\d{4}|\bcopyright\b|\ball rights reserved\b", re.I), 40),
    ("login", re.compile(
        r"\b(?:log ?in|log ?out|sign ?in|sign ?out|my account|password|username|forgot)\b"
        r"|^register\b|\bregister (?:now|here|today|for free)\b", re.I), 6),
    ("reading_time", re.compile(r"^\d+\s*(?:min(?:ute)?s?|mins?)\.?\s*read\b", re.I), 5),
    ("advert", re.compile(r"^(?:advertisement|advertising|sponsored|ad|ads by \w+|promoted|\w+ ad)$", re.I), 4),
    ("navigation", re.compile(
        r"^\W*(?:home|back to top|top|next|previous|prev|more|menu|search|skip to (?:main )?content|go|close|print"
        r"|go to top|go back|back|main menu|navigation|sitemap|site map|contact us|about us|faq|help|read more"
        r"|continue reading|click here|more\W*|related (?:articles|stories|posts|links|content)|see also"
        r"|you may also like|recommended|most popular|most read|trending|tags?|categories|archives?"
        r"|text size|font size|tell a friend|what's this\??|view (?:larger|full|more) (?:image|photo|size)"
        r"|enlarge (?:image|photo)|word count\W*\d*|(?:premium|registered|free|print|save|e-?mail) (?:article|story)"
        r"|send (?:this )?(?:article|story)\W*.*|(?:article|story) tools|rate this(?: article| story)?\W*"
        r"|listen|watch|play video|full story|more (?:on|in|from) .{1,30}|photos?|video|gallery|slideshow)"
        r"\s*(?:»|›|>+|:|!)?$", re.I), 5),
    ("section_heading", re.compile(
        r"^(?:latest|top|more|related|popular|trending|recent|featured|other|editors?'?s? picks?|in other news"
        r"|most (?:read|viewed|popular|shared|e-?mailed|commented|recent))\b", re.I), 3),
    ("code", re.compile(
        r"[;=)]\s*\{|^\s*\}|\);\s*$|\bfunction\s*\(|\bvar \w+\s*=|document\.write|javascript:|\$\("
        r"|</?[a-z][a-z0-9]*(?:\s+[a-z-]+=|\s*/?>)"), 400),
)

_SEPARATORS_RE = re.compile(r"\s*(?:\||»|›|·|•|::)\s*|\s+/\s+")
_TEASER_RE = re.compile(r"(?:\[(?:…|\.\.\.)\]|(?:read|continue) (?:more|reading)\W*)$", re.I)
_SEPARATOR_CHARS = frozenset("|»›·•:/")


def boilerplate_reason(info: LineInfo) -> str | None:
    """Reason code if the line is page furniture on its own, else None."""
    text = info.text
    if not text:
        return None
    if (not info.ends_sentence or info.n_words <= 12) and not _SEPARATOR_CHARS.isdisjoint(text):
        parts = [p for p in _SEPARATORS_RE.split(text) if p]
        if len(parts) >= 3 and info.n_words <= 4 * len(parts):
            return "nav_menu"
    if info.n_words <= _SHORT_LINE_WORDS:
        return _short_line_reason(text, info.n_words)
    return _rule_reason(text, info.n_words)


# Substrings without which a rule cannot match: a cheap test that spares long
# text lines the regex scans of the few rules that apply to them.
_TRIGGERS = {
    "caption": ("photo", "image", "picture", "source", "credit", "courtesy", "click", "getty"),
    "cookie_notice": ("cookie", "privacy", "terms", "gdpr", "consent"),
    "copyright": ("©", "(c)", "copyright", "rights reserved"),
    "code": ("{", "}", ");", "function", "var ", "document.", "javascript:", "$(", "<"),
    "teaser": ("]", "more", "reading"),
}


# The trigger test as one compiled alternation per rule: a single scan instead of a
# Python-level loop over substrings on every line.
_TRIGGER_RES = {reason: re.compile("|".join(map(re.escape, words))) for reason, words in _TRIGGERS.items()}
_RULE_PLAN = tuple((reason, pattern, max_words, _TRIGGER_RES.get(reason)) for reason, pattern, max_words in _RULES)
_TEASER_TRIGGER_RE = _TRIGGER_RES["teaser"]


def _rule_reason(text: str, n_words: int) -> str | None:
    low = text.casefold()
    for reason, pattern, max_words, triggers in _RULE_PLAN:
        if n_words > max_words:
            continue
        if triggers is not None and not triggers.search(low):
            continue
        if pattern.search(text):
            return reason
    if _TEASER_TRIGGER_RE.search(low) and _TEASER_RE.search(text):
        return "teaser"
    return None


# Menus, widgets and footers repeat verbatim across the pages of a site, so the
# verdict on a short line is worth remembering for the next document.
_SHORT_LINE_WORDS = 12
_short_line_reason = lru_cache(maxsize=1 << 16)(_rule_reason)


# --------------------------------------------------------------------------- comments

# Comment-section headings and widgets in the languages the pipeline sees most
# (en, de, fr, es, it, pt, nl, ar): the noun alone as a heading, or a call to comment.
_COMMENT_NOUNS = (r"comments?|reader comments|responses?|replies|discussion|talkback|kommentare|leserkommentare"
                  r"|commentaires|comentarios|comentários|commenti|reacties|التعليقات|تعليقات")
_COMMENT_MARKER_RE = re.compile(
    rf"^(?:\d+\s+)?(?:{_COMMENT_NOUNS})\b(?:\s*\(\d+\))?\W*$"
    rf"|^[1-9]\d*\s+(?:{_COMMENT_NOUNS})\b"
    r"|\b(?:notify of|view all comments|inline feedbacks|leave a (?:reply|comment)|post a comment"
    r"|add (?:a|your) comment|comments (?:so far|to this entry)"
    r"|what do you think\??$|have your say|join the discussion"
    r"|(?:schreibe|hinterlasse) einen kommentar|kommentar (?:schreiben|verfassen)"
    r"|laisser un commentaire|ajouter un commentaire|(?:deja|dejar|publicar|añadir) (?:un|tu) comentario"
    r"|lascia un commento|deixe (?:um|seu) comentário|laat een reactie achter|plaats een reactie)"
    r"|^(?:أضف|اترك|اكتب|أضيفي|شارك) (?:تعليق|رأيك)", re.I)
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
    r"|^(?:log|sign) ?in to (?:reply|comment)$|^reply to (?:this )?(?:comment|\S+)$", re.I)


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

"""Page furniture: the lines a page carries for its site rather than its article, by reason.

Menus joined by separators, donation and share widgets, subscribe and login boxes,
cookie and copyright notices, captions, comment-section controls, code: generic web-page
shapes and the UI vocabulary every site uses, never a per-site rule. Each verdict is a
reason code of `textlake.reasons`, so every removed line can be explained.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from textlake.lines import LineInfo
from textlake.reasons import Reason


@dataclass
class LineRule:
    """Lines that one of `shapes` finds are `reason`.

    Each shape is a pattern with the most words a line may have for the pattern to
    condemn it: the cap keeps vocabulary rules from killing real sentences that mention
    the word. `triggers` are substrings (lower case) without which no shape can match: a
    cheap test that spares long lines the regex scans of rules that cannot apply.
    """

    reason: Reason
    shapes: tuple[tuple[re.Pattern[str], int], ...]
    triggers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._any_trigger = re.compile("|".join(map(re.escape, self.triggers))) if self.triggers else None

    def matches(self, text: str, low: str, n_words: int) -> bool:
        if self._any_trigger is not None and not self._any_trigger.search(low):
            return False
        return any(n_words <= most and pattern.search(text) for pattern, most in self.shapes)


_MONEY = r"[$€£¥]"
_ANY_LENGTH = 1 << 30
# In order: the first rule that matches gives the reason.
RULES: tuple[LineRule, ...] = (
    LineRule(
        Reason.DONATION_WIDGET,
        (
            (
                re.compile(
                    rf"^(?:{_MONEY}\s*[\d.,]+|[\d.,]+\s*{_MONEY})(?:\s*(?:/|of)\s*(?:{_MONEY}\s*[\d.,]+|[\d.,]+\s*{_MONEY}))?$"
                    r"|\b(?:donat(?:e|ion|ions)|^support (?:us|our|\S+(?: \S+)?)$|consider (?:helping|supporting)"
                    r"|help us (?:keep|continue|grow|fund)|patreon|paypal|buy me a coffee|become a (?:patron|member|supporter))",
                    re.I,
                ),
                10,
            ),
        ),
    ),
    LineRule(
        Reason.COMMENT_UI,
        (
            (
                re.compile(
                    r"\b(?:notify of|(?:newest|oldest)(?:\s+(?:first|newest|oldest|most voted))+|most voted|inline feedbacks?"
                    r"|view all comments|(?:leave|post|add|write|submit) (?:a|your|new)? ?(?:comment|reply|response)"
                    r"|comments? (?:are|is) closed|please comment|thoughts\W+please"
                    r"|\d+ (?:comments?|repl(?:y|ies)|responses?)\b"
                    r"|(?:read|show|load|view) (?:more|all|\d+)? ?(?:comments|replies)"
                    r"|report (?:abuse|this (?:post|comment))|comment policy|reply\s*$|^comments?\s*(?:\(\d+\))?$|^replies\s*$"
                    r"|log ?in to (?:comment|reply)|^(?:antworten|répondre|responder|rispondi|رد|ردّ)$"
                    r"|talkback|have your say)\b",
                    re.I,
                ),
                8,
            ),
        ),
    ),
    LineRule(
        Reason.SHARE_WIDGET,
        (
            (
                re.compile(
                    r"\b(?:share|tweet|facebook|twitter|linkedin|pinterest|whatsapp|reddit|digg|del\.icio\.us|stumbleupon"
                    r"|e-?mail (?:this|to a friend)|print (?:this|article|page)|bookmark|permalink|telegram|vkontakte|instagram"
                    r"|youtube|follow us|like us)\b|^print$|^e-?mail$|^save$",
                    re.I,
                ),
                5,
            ),
            (re.compile(r"\b(?:follow|like|join|find) us on\b", re.I), 25),
        ),
    ),
    LineRule(
        Reason.CAPTION,
        (
            (
                re.compile(
                    r"\b(?:photo|image|picture|source|credit|courtesy|file photo)\s*:|\((?:photo|image|getty)\b"
                    r"|\bclick (?:to|here to) (?:see|enlarge|view|zoom)|\b(?:photo|picture|image)s? (?:by|courtesy|credit)"
                    r"|getty images|\bap photo\b",
                    re.I,
                ),
                25,
            ),
        ),
        triggers=("photo", "image", "picture", "source", "credit", "courtesy", "click", "getty"),
    ),
    LineRule(
        Reason.SUBSCRIBE_WIDGET,
        (
            (
                re.compile(
                    r"\b(?:subscribe|subscription|newsletter|sign ?up|rss|(?:news|e-?mail|web) ?(?:feeds?|alerts?)|unsubscribe"
                    r"|mailing list)\b",
                    re.I,
                ),
                10,
            ),
        ),
    ),
    LineRule(
        Reason.COOKIE_NOTICE,
        (
            (
                re.compile(
                    r"\b(?:cookies?|privacy (?:policy|notice|statement|settings)|terms (?:of|and) (?:use|service|conditions)"
                    r"|gdpr|consent)\b",
                    re.I,
                ),
                40,
            ),
        ),
        triggers=("cookie", "privacy", "terms", "gdpr", "consent"),
    ),
    LineRule(
        Reason.COPYRIGHT,
        ((re.compile(r"©|\(c\)\s*\d{4}|\bcopyright\b|\ball rights reserved\b", re.I), 40),),
        triggers=("©", "(c)", "copyright", "rights reserved"),
    ),
    LineRule(
        Reason.LOGIN,
        (
            (
                re.compile(
                    r"\b(?:log ?in|log ?out|sign ?in|sign ?out|my account|password|username|forgot)\b"
                    r"|^register\b|\bregister (?:now|here|today|for free)\b",
                    re.I,
                ),
                6,
            ),
        ),
    ),
    LineRule(Reason.READING_TIME, ((re.compile(r"^\d+\s*(?:min(?:ute)?s?|mins?)\.?\s*read\b", re.I), 5),)),
    LineRule(Reason.ADVERT, ((re.compile(r"^(?:advertisement|advertising|sponsored|ad|ads by \w+|promoted|\w+ ad)$", re.I), 4),)),
    LineRule(
        Reason.NAVIGATION,
        (
            (
                re.compile(
                    r"^\W*(?:home|back to top|top|next|previous|prev|more|menu|search|skip to (?:main )?content|go|close|print"
                    r"|go to top|go back|back|main menu|navigation|sitemap|site map|contact us|about us|faq|help|read more"
                    r"|continue reading|click here|more\W*|related (?:articles|stories|posts|links|content)|see also"
                    r"|you may also like|recommended|most popular|most read|trending|tags?|categories|archives?"
                    r"|text size|font size|tell a friend|what's this\??|view (?:larger|full|more) (?:image|photo|size)"
                    r"|enlarge (?:image|photo)|word count\W*\d*|(?:premium|registered|free|print|save|e-?mail) (?:article|story)"
                    r"|send (?:this )?(?:article|story)\W*.*|(?:article|story) tools|rate this(?: article| story)?\W*"
                    r"|listen|watch|play video|full story|more (?:on|in|from) .{1,30}|photos?|video|gallery|slideshow)"
                    r"\s*(?:»|›|>+|:|!)?$",
                    re.I,
                ),
                5,
            ),
        ),
    ),
    LineRule(
        Reason.SECTION_HEADING,
        (
            (
                re.compile(
                    r"^(?:latest|top|more|related|popular|trending|recent|featured|other|editors?'?s? picks?|in other news"
                    r"|most (?:read|viewed|popular|shared|e-?mailed|commented|recent))\b",
                    re.I,
                ),
                3,
            ),
        ),
    ),
    LineRule(
        Reason.CODE,
        (
            (
                re.compile(
                    r"[;=)]\s*\{|^\s*\}|\);\s*$|\bfunction\s*\(|\bvar \w+\s*=|document\.write|javascript:|\$\("
                    r"|</?[a-z][a-z0-9]*(?:\s+[a-z-]+=|\s*/?>)"
                ),
                400,
            ),
        ),
        triggers=("{", "}", ");", "function", "var ", "document.", "javascript:", "$(", "<"),
    ),
    LineRule(
        Reason.TEASER,
        ((re.compile(r"(?:\[(?:…|\.\.\.)\]|(?:read|continue) (?:more|reading)\W*)$", re.I), _ANY_LENGTH),),
        triggers=("]", "more", "reading"),
    ),
)

_SEPARATORS_RE = re.compile(r"\s*(?:\||»|›|·|•|::)\s*|\s+/\s+")
_SEPARATOR_CHARS = frozenset("|»›·•:/")


def boilerplate_reason(info: LineInfo) -> Reason | None:
    """Reason code if the line is page furniture on its own, else None."""
    text = info.text
    if not text:
        return None
    if (not info.ends_sentence or info.n_words <= 12) and not _SEPARATOR_CHARS.isdisjoint(text):
        parts = [p for p in _SEPARATORS_RE.split(text) if p]
        if len(parts) >= 3 and info.n_words <= 4 * len(parts):
            return Reason.NAV_MENU
    if info.n_words <= _SHORT_LINE_WORDS:
        return _short_line_reason(text, info.n_words)
    return _rule_reason(text, info.n_words)


def _rule_reason(text: str, n_words: int) -> Reason | None:
    low = text.casefold()
    return next((rule.reason for rule in RULES if rule.matches(text, low, n_words)), None)


# Menus, widgets and footers repeat verbatim across the pages of a site, so the
# verdict on a short line is worth remembering for the next document.
_SHORT_LINE_WORDS = 12
_short_line_reason = lru_cache(maxsize=1 << 16)(_rule_reason)

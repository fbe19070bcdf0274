"""Dates: an explicit day, month and year, in the languages and scripts the pipeline sees.

Only a full date counts as an article's date: a month and year alone is usually a
campaign or archive label, and dates below the text's start belong to comments or
related items.
"""

from __future__ import annotations

import datetime
import re

from textlake.clean import BLANK
from textlake.lines import LineInfo

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
_MONTH_RE = "(" + "|".join(re.escape(m).replace(r"\ ", r"\s+") for m in sorted(_MONTHS, key=len, reverse=True)) + r")\.?(?!\w)"
_YEAR = r"((?:19|20)\d\d)(?!\d)"
_DATE_RES = (
    (re.compile(r"\b((?:19|20)\d\d)[-/.](\d\d?)[-/.](\d\d?)\b|\b((?:19|20)\d\d)\s*[年년]\s*(\d\d?)\s*[月월]\s*(\d\d?)"), "ymd"),
    (re.compile(rf"(?<!\w){_MONTH_RE}\s+(\d\d?)(?:st|nd|rd|th)?,?\s+{_YEAR}", re.I), "mdy"),
    (re.compile(rf"\b(\d\d?)(?:st|nd|rd|th|er|º|\.)?\s+(?:of\s+|de\s+)?{_MONTH_RE},?\s+(?:de\s+)?{_YEAR}", re.I), "dmy"),
    (re.compile(rf"\b(\d\d?)\.(\d\d?)\.{_YEAR}"), "dmy_num"),
)
# Arabic-Indic and Extended (Persian) digits read as the digits they are.
_DIGIT_MAP = {**{0x660 + d: str(d) for d in range(10)}, **{0x6F0 + d: str(d) for d in range(10)}}
_YEAR_HINT_RE = re.compile(r"(?:19|20)\d\d")
MONTH_YEAR_RE = re.compile(rf"^{_MONTH_RE}\s+(?:19|20)\d\d$", re.I)


def date_span(text: str) -> tuple[int, int] | None:
    """Where in `text` an explicit date stands (the first that parses), as (start, end)."""
    if not text.isascii():
        text = text.translate(_DIGIT_MAP)
    if not _YEAR_HINT_RE.search(text):
        return None
    for pattern, _ in _DATE_RES:
        for m in pattern.finditer(text):
            if parse_date(m.group(0)):
                return m.span()
    return None


def parse_date(text: str) -> datetime.date | None:
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


def find_date(
    lines: list[str],
    infos: list[LineInfo],
    kinds: list[int],
    title_idx: int | None,
    head_start: int,
    main_start: int,
    comment_start: int,
) -> datetime.date | None:
    """An explicit day-month-year next to the headline or at the top of the text.

    Only a full date counts: a month and year alone is usually a widget or archive
    label, and dates below the text's start belong to comments or related items.
    """
    lo = max(0, (title_idx if title_idx is not None else head_start) - 3)
    hi = min(comment_start, main_start + 4)
    for i in range(lo, hi):
        if kinds[i] != BLANK and infos[i].n_words <= 40:
            # a day number with a dot ("15. März 2026") reads as a list bullet: parse the whole line
            date = parse_date(lines[i] if infos[i].bullet else infos[i].text)
            if date:
                return date
    return None

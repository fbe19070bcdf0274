"""Cleaning a page: hard wraps joined, every line a verdict, the source's template applied."""

from __future__ import annotations

from textlake.clean import BLANK, FURNITURE, PROSE, SHORT, classify_page
from textlake.reasons import Reason
from textlake.template import SourceProfile

ARTICLE = (
    "The harbour authority confirmed on Monday that the north pier will close for repairs until the end of March, "
    "and ferries will use the southern berth."
)


def test_every_line_gets_a_kind_and_furniture_a_reason():
    page = classify_page("Home | News | Sport | Weather\n\nPier to close\n\n" + ARTICLE + "\n\nShare this article")
    by_line = dict(zip(page.lines, zip(page.kinds, page.reasons, strict=True), strict=True))
    assert by_line["Home | News | Sport | Weather"] == (FURNITURE, Reason.NAV_MENU)
    assert by_line["Pier to close"] == (SHORT, None)
    assert by_line[ARTICLE] == (PROSE, None)
    assert by_line["Share this article"] == (FURNITURE, Reason.SHARE_WIDGET)
    assert by_line[""] == (BLANK, None)
    assert page.starts[-1] == len(page.raw)


def test_hard_wrapped_lines_are_one_line_and_map_back_to_their_raw_lines():
    first, rest = ARTICLE[:60].rsplit(" ", 1)[0], ARTICLE[len(ARTICLE[:60].rsplit(" ", 1)[0]) + 1 :]
    page = classify_page(f"{first},\n{rest}")
    assert page.lines == [f"{first}, {rest}"] and page.starts == [0, 2]


def test_template_lines_are_template_repeats_but_a_reposted_article_keeps_its_prose():
    profile = SourceProfile()
    for story in ("the ferry", "the lighthouse", "the fish market"):
        profile.observe(f"Harbor Post daily\nA story about {story}, with its own words.\n{ARTICLE}\nMore about {story} here.")
    template = profile.template()
    page = classify_page(f"Harbor Post daily\n{ARTICLE}", template)
    assert page.reasons[0] == Reason.TEMPLATE_REPEAT
    assert page.kinds[1] == PROSE  # the article itself recurs: most of its prose is repeated, so it stays

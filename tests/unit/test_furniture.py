"""Page furniture rules: each test is one decision on a tiny made-up line."""

from __future__ import annotations

import pytest

from textlake.furniture import boilerplate_reason
from textlake.lines import analyse_line


def reason(line: str) -> str | None:
    return boilerplate_reason(analyse_line(line))


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Home | News | Sport | Weather", "nav_menu"),
        ("0 $ / 2,500 $", "donation_widget"),
        ("1,639 $", "donation_widget"),
        ("Support OurPaper", "donation_widget"),
        ("Share this article", "share_widget"),
        ("Notify of", "comment_ui"),
        ("Newest Most Voted", "comment_ui"),
        ("View all comments", "comment_ui"),
        ("Subscribe to our newsletter", "subscribe_widget"),
        ("This site uses cookies to improve your experience.", "cookie_notice"),
        ("© 2021 Example Media. All rights reserved.", "copyright"),
        ("Log in", "login"),
        ("3 min read", "reading_time"),
        ("Advertisement", "advert"),
        ("Back to top", "navigation"),
        ("Photo: Jane Doe / Agency", "caption"),
        ("var x = document.getElementById('a');", "code"),
        ("Officials met on Monday to discuss the plan [...]", "teaser"),
        ("Latest Headlines", "section_heading"),
        ("For more news, like us on Facebook or follow us on Twitter.", "share_widget"),
    ],
)
def test_furniture_rules(line, expected):
    assert reason(line) == expected


def test_vocabulary_rules_spare_real_sentences():
    sentence = (
        "Readers who share the article on social media said they would subscribe "
        "to the newsletter if the comments section stayed open."
    )
    assert reason(sentence) is None


def test_vocabulary_rules_spare_short_headlines():
    for headline in ("The oldest man in Britain", "Voters register in record numbers", "Flood alerts for Yorkshire"):
        assert reason(headline) is None


def test_arabic_reply_button_is_comment_ui_not_an_author():
    assert reason("رد") == "comment_ui"

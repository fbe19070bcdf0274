"""The comment section: its markers, reply buttons and commenter handles, and how it splits."""

from __future__ import annotations

import pytest

from textlake.comment_lines import is_author_line, is_comment_marker, is_reply_ui
from textlake.lines import analyse_line


def test_comment_marker_and_author_line():
    assert is_comment_marker(analyse_line("12 Comments"))
    assert is_comment_marker(analyse_line("Leave a Reply"))
    assert not is_comment_marker(analyse_line("The minister declined to comment on the report."))
    assert is_author_line(analyse_line("jerry hamilton"))
    assert is_author_line(analyse_line("Terence Silvestre Jr."))
    assert not is_author_line(analyse_line("Kill them all."))


@pytest.mark.parametrize(
    "line",
    [
        "6 thoughts on “Counting owls in the dark: notes from the February survey”",
        "Reader comments",
        "Kommentare",
        "Schreibe einen Kommentar",
        "Laisser un commentaire",
        "12 comentarios",
        "التعليقات",
        "أضف تعليقاً",
    ],
)
def test_comment_markers_in_several_languages(line):
    assert is_comment_marker(analyse_line(line))


def test_comment_markers_spare_article_lines():
    assert not is_comment_marker(analyse_line("Kommentar"))  # an opinion-piece label, not the comment list
    assert not is_comment_marker(
        analyse_line("6 thoughts on the budget were shared by the mayor, who said the council would vote on Monday.")
    )


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Reply", True),
        ("Log in to reply", True),
        ("    Log in to reply", True),
        ("رد", True),
        ("Antworten", True),
        ("Reply to this comment", True),
        ("Jane Roe", False),
        ("We replied to the council in March.", False),
    ],
)
def test_reply_buttons(line, expected):
    assert is_reply_ui(analyse_line(line)) is expected

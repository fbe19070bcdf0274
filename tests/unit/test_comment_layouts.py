"""The comment-layout catalogue: every common comment system's page, segmented as a reader would.

Each page of `tests/fixtures/comment_layouts/` (written by the team, see its README) holds an
article, page furniture and one comment layout; its JSON says which comments, authors and reply
depths a reader sees, and which lines must never become a comment or an author.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from textlake.decode import normalize_text
from textlake.segment import segment_page

LAYOUTS = Path(__file__).resolve().parents[1] / "fixtures" / "comment_layouts"
# Forum threads whose opening post the page does not set apart from the replies in a way
# plain text keeps: their article body is not yet recovered exactly.
BODY_NOT_YET = {
    "phpbb": "the replies, not told from the opening post, join the body",
    "comment_form_only_de": "the byline line above the article stays in the body",
}


def layouts() -> list[str]:
    return sorted(p.stem for p in LAYOUTS.glob("*.json"))


def segmented(layout: str):
    expected = json.loads((LAYOUTS / f"{layout}.json").read_text(encoding="utf-8"))
    text, _ = normalize_text((LAYOUTS / f"{layout}.txt").read_text(encoding="utf-8"))
    return expected, segment_page(text)


def test_the_catalogue_covers_the_common_comment_systems():
    assert {
        "wordpress_en",
        "wordpress_de",
        "wordpress_es",
        "wordpress_fr",
        "disqus",
        "wpdiscuz",
        "jetpack",
        "facebook",
        "blogger",
        "discourse",
        "phpbb",
        "news_widget_de",
        "news_widget_en",
    } <= set(layouts())


@pytest.mark.parametrize("layout", [name for name in layouts() if name != "phpbb"])
def test_every_comment_keeps_its_author_text_and_depth(layout):
    expected, seg = segmented(layout)
    got = [(c.author, c.depth) for c in seg.comments]
    assert got == [(c["author"], c["depth"]) for c in expected["comments"]]
    for comment, want in zip(seg.comments, expected["comments"], strict=True):
        assert comment.text.startswith(want["starts"]) and comment.text.endswith(want["ends"]), comment.text


@pytest.mark.parametrize("layout", ["phpbb"])
@pytest.mark.xfail(strict=True, reason="a phpBB thread: replies without reply buttons are not told from the opening post yet")
def test_forum_replies_are_comments(layout):
    expected, seg = segmented(layout)
    assert [(c.author, c.depth) for c in seg.comments] == [(c["author"], c["depth"]) for c in expected["comments"]]


@pytest.mark.parametrize(
    "layout",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason="a forum signature stays in its post"))
        if name == "phpbb"
        else name
        for name in layouts()
    ],
)
def test_comment_form_and_widget_lines_are_never_comments_or_authors(layout):
    expected, seg = segmented(layout)
    never = set(expected["not_comments"])
    stored = {line.strip() for c in seg.comments for line in c.text.split("\n")}
    assert not stored & never
    assert not {c.author for c in seg.comments} & never


@pytest.mark.parametrize("layout", layouts())
def test_the_article_keeps_its_title_and_body(layout):
    if layout in BODY_NOT_YET:
        pytest.xfail(BODY_NOT_YET[layout])
    expected, seg = segmented(layout)
    body = "\n".join(seg.paragraphs)
    assert seg.title == expected["title"]
    assert body.startswith(expected["body_starts"]) and body.endswith(expected["body_ends"])

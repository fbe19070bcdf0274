"""Page segmentation: one small made-up page per decision rule, then the real seed pages."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from textlake.segment import segment_page
from textlake.template import line_key

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"

P1 = (
    "The city council voted on Tuesday to expand the bus network, adding twelve routes "
    "that will serve the northern suburbs from next spring."
)
P2 = (
    "Residents had campaigned for better connections for years, and the mayor said the "
    "new routes would cut commuting times by a third for many families."
)
P4 = (
    "Drivers' unions welcomed the extra jobs the routes will create, though they asked for a say in "
    "how the new timetables are drawn up before the first buses run."
)
P3 = (
    "Opponents argued that the money should have gone to road repairs instead, but the "
    "motion passed with a clear majority after a short debate."
)


def page(*lines: str) -> str:
    return "\n".join(lines)


def reasons(seg) -> dict[str, str]:
    return {d.text.strip(): d.reason for d in seg.dropped}


def test_main_text_is_the_dense_prose_run_and_menus_go():
    seg = segment_page(
        page(
            "Home",
            "News",
            "Sport",
            "Weather",
            "",
            "Council Expands Bus Network",
            "",
            P1,
            "",
            P2,
            "",
            P3,
            "",
            "Related",
            "Other story one",
            "Other story two",
        )
    )
    assert seg.title == "Council Expands Bus Network"
    assert seg.paragraphs == (P1, P2, P3)
    assert reasons(seg)["Sport"] == "navigation"  # the line model names the menu it stands in


def test_heading_between_paragraphs_stays():
    seg = segment_page(page(P1, "", "What happens next", "", P2, "", P3))
    assert "What happens next" in seg.paragraphs


def test_wrapped_lines_are_joined_and_run_together_blocks_split():
    seg = segment_page(
        page(
            "Bus Plan Approved",
            "",
            "The council voted on Tuesday to expand the bus network and",
            "add twelve routes that serve the suburbs.",
            "",
            "See www.TypePad.com for the full minutes of the meeting.",
            "",
            P2,
            "",
            "The vote in the chamber was very close in the end.Opponents said the plan costs too much money overall.",
        )
    )
    assert (
        "The council voted on Tuesday to expand the bus network and add twelve routes that serve the suburbs."
    ) in seg.paragraphs
    assert "The vote in the chamber was very close in the end." in seg.paragraphs
    assert "See www.TypePad.com for the full minutes of the meeting." in seg.paragraphs


def test_lines_ending_in_a_function_word_or_label_colon_are_wraps():
    seg = segment_page(
        page(
            P1,
            "",
            "The mayor said the plan would help the",
            "North Side Business Association members.",
            "",
            "Opening date:",
            "March 2025",
            "",
            P2,
        )
    )
    assert "The mayor said the plan would help the North Side Business Association members." in seg.paragraphs
    assert "Opening date: March 2025" in seg.paragraphs


def test_headline_is_not_glued_to_a_lower_case_byline():
    seg = segment_page(page("Council Expands Bus Network", "posted 8:58 am Tue January 15, 2008", "", P1, "", P2))
    assert seg.title == "Council Expands Bus Network"


def test_list_inside_the_article_is_bridged():
    items = [f"  * Route {name} to the northern suburbs" for name in "ABCDEFGHIJ"]
    seg = segment_page(
        page("Menu", "News", "", P1, "", P2, "", P3, "", "The new routes:", *items, "", P4, "", P1[4:], "", "Home", "About")
    )
    assert seg.paragraphs[:4] == (P1, P2, P3, "The new routes:")
    assert "Route J to the northern suburbs" in seg.paragraphs
    assert seg.paragraphs[-1] == P1[4:]


def test_related_teasers_glued_to_their_headlines_are_not_prose():
    towns = ("Northville", "Eastwood", "Southbay", "Westfield", "Midtown", "Hillcrest")
    teasers = [
        f"Mayor Opens New Library In {town}The mayor opened the new library on Monday, saying it would "
        f"serve thousands of readers."
        for town in towns
    ]
    seg = segment_page(page(P1, "", P2, "", "Latest Headlines", *teasers))
    assert seg.paragraphs == (P1, P2)
    assert reasons(seg)["Latest Headlines"] == "section_heading"


def test_comment_tab_above_the_article_does_not_open_the_comment_section():
    seg = segment_page(page("Most read", "Comments", "1", "Other story", "", "Bus Plan Approved", "", P1, "", P2, "", P3))
    assert seg.comments == ()
    assert seg.paragraphs == (P1, P2, P3)


def test_posted_by_line_gives_the_comment_author():
    seg = segment_page(
        page(
            "Bus Plan Approved",
            "",
            P1,
            "",
            P2,
            "",
            "Add your comment",
            "",
            "Posted by: tom3465, farnworth on 8:21pm Tue 1 Jan 08",
            "Great news for the north side, finally.",
            "Quote | Report this post",
        )
    )
    assert [(c.author, c.text) for c in seg.comments] == [("tom3465", "Great news for the north side, finally.")]


def test_template_lines_are_dropped_as_template_repeat():
    boiler = "Our city, our news, every day of the week, all year round, for everyone here"
    seg = segment_page(page(P1, boiler, P2), template=frozenset({line_key(boiler)}))
    assert reasons(seg)[boiler] == "template_repeat"
    assert seg.paragraphs == (P1, P2)


def test_duplicate_lines_are_dropped_once_kept():
    quote = "“We will not leave the north side behind,” the mayor told the council before the vote."
    seg = segment_page(page("Bus Plan Approved", "", P1, "", quote, "", P2, "", quote, "", P3))
    assert seg.paragraphs.count(quote) == 1
    assert "duplicate_line" in reasons(seg).values()


def test_furniture_inside_the_text_is_dropped_with_its_reason():
    seg = segment_page(page(P1, "", "Share this article", "", P2, "", "Advertisement", "", P3))
    assert reasons(seg) == {"Share this article": "share_widget", "Advertisement": "advert"}


def test_link_directory_page_keeps_its_lists():
    lines = ["Garden Tools Directory", ""] + [f"  * Tool {name} for sale" for name in "ABCDEFGH"]
    seg = segment_page(page(*lines))
    assert len(seg.paragraphs) == 8


def test_published_date_needs_day_month_year_near_the_headline():
    seg = segment_page(page("JUNE 2021", "", "Bus Plan Approved", "March 23, 2015", "", P1, "", P2))
    assert seg.published_date == datetime.date(2015, 3, 23)
    assert segment_page(page("JUNE 2021", "", "Bus Plan Approved", "", P1, "", P2)).published_date is None


@pytest.mark.parametrize(
    "date_line",
    ["www.example.cn 2015-03-23 16:23:08", "23rd March 2015", "Mar. 23, 2015", "Posted Monday, March 23, 2015 11:47 AM PST"],
)
def test_published_date_formats(date_line):
    seg = segment_page(page("Bus Plan Approved", date_line, "", P1, "", P2))
    assert seg.published_date == datetime.date(2015, 3, 23)


def test_comments_split_by_author_lines_and_blank_gaps():
    seg = segment_page(
        page(
            "Bus Plan Approved",
            "",
            P1,
            "",
            P2,
            "",
            "12 Comments",
            "",
            "Jane Roe",
            "",
            "Great news for the north side.",
            "",
            "Second paragraph here.",
            "",
            "",
            "Nobody asked the drivers though, did they?",
            "",
            "bob smith",
            "",
            "Fares will rise, you watch.",
        )
    )
    assert [(c.author, c.depth) for c in seg.comments] == [("Jane Roe", 0), (None, 0), ("bob smith", 0)]
    assert seg.comments[0].text == "Great news for the north side.\n\nSecond paragraph here."
    assert reasons(seg)["12 Comments"] == "comment_ui"


def test_threaded_comments_get_depth_from_indentation():
    seg = segment_page(
        page(
            "Bus Plan Approved",
            "",
            P1,
            "",
            P2,
            "",
            "  • Jane Roe",
            "",
            "    Great news for the north side of town.",
            "    • Bob",
            "",
            "      I disagree with all of this, honestly.",
            "    • Ann",
            "",
            "      Me too, it seems rushed to me.",
        )
    )
    assert [(c.author, c.depth) for c in seg.comments] == [("Jane Roe", 0), ("Bob", 1), ("Ann", 1)]
    assert seg.paragraphs == (P1, P2)


# --------------------------------------------------------------------------- seed pages

BANNED = (
    "Support SouthFront",
    "0 $",
    "2,500 $",
    "JUNE 2021",
    "Notify of",
    "Newest Most Voted",
    "Inline Feedbacks",
    "View all comments",
    "Would love your thoughts",
    "Consider helping us",
    "Share this article",
    "3 min read",
)


def seed(prefix: str):
    if not SEEDS.is_dir():
        pytest.skip(f"seed pages not available at {SEEDS}")
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    return segment_page(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_bodies_are_free_of_widgets(prefix):
    seg = seed(prefix)
    body = "\n".join(seg.paragraphs)
    for banned in BANNED:
        assert banned not in body
    assert len(set(seg.paragraphs)) == len(seg.paragraphs)
    assert seg.title and seg.title not in seg.paragraphs


def test_seed_titles():
    assert seed("001").title == "Jaish al-Islam Recaptures More Areas From ISIS In Qalamoun"
    assert seed("000").title.startswith("Jaish al-Islam (Participant Of Astana Peace Talks)")


def test_seed_threaded_comment_authors_and_depths():
    got = [(c.author, c.depth) for c in seed("000").comments]
    assert got == [("Trustin Judeau", 0), ("Attrition47", 1), ("Dejan", 1), ("VGA", 1)]


@pytest.mark.parametrize(
    "prefix, authors",
    [
        ("002", {"John Whitehot", "Expo Marker", "Pave Way IV"}),
        ("003", {"Richard M", "jerry hamilton", "Terence Silvestre Jr."}),
    ],
)
def test_seed_flat_comment_authors(prefix, authors):
    seg = seed(prefix)
    assert authors <= {c.author for c in seg.comments}
    assert any(c.author is None for c in seg.comments)
    assert all("Would love your thoughts" not in c.text for c in seg.comments)


def test_seed_dates():
    assert seed("004").published_date == datetime.date(2015, 3, 23)
    assert seed("003").published_date is None


# --------------------------------------------------------------------------- multilingual dates, titles, comment layouts


@pytest.mark.parametrize(
    "date_line",
    [
        "Posted on 23 March 2015 by Jane Roe",
        "March 23, 2015 by Jane Roe",
        "23. März 2015 · von Jonas Weber",
        "23 mars 2015",
        "23 de marzo de 2015",
        "الاثنين 23 مارس 2015",
        "٢٣ مارس ٢٠١٥",
        "2015/03/23",
        "23.03.2015",
        "23 آذار 2015",
        "2015年3月23日",
    ],
)
def test_published_date_multilingual_formats(date_line):
    seg = segment_page(page("Bus Plan Approved", "", date_line, "", P1, "", P2))
    assert seg.published_date == datetime.date(2015, 3, 23)


def test_comment_timestamp_is_not_the_article_date():
    seg = segment_page(
        page(
            "Bus Plan Approved",
            "",
            P1,
            "",
            P2,
            "",
            "3 Comments",
            "",
            "Jane Roe",
            "March 23, 2015",
            "Great news for the north side, finally.",
        )
    )
    assert seg.published_date is None
    assert [c.author for c in seg.comments] == ["Jane Roe"]


def test_long_headline_with_a_comma_is_still_the_title():
    title = "Ice-out watch on the bay, and the bet I will probably lose this year"
    seg = segment_page(
        page(
            "Home | About | Contact",
            "",
            title,
            "",
            "Posted on 2 March 2026 by Jane Roe",
            "",
            "Pressure ridge on the bay, looking east toward the narrows.",
            "",
            P1,
            "",
            P2,
        )
    )
    assert seg.title == title
    assert seg.published_date == datetime.date(2026, 3, 2)


def test_site_name_with_section_label_is_not_the_title():
    seg = segment_page(
        page(
            "Harbor Post",
            "",
            "Council Expands Bus Network To The North",
            "",
            "Harbor Post - Council Desk",
            "March 23, 2015",
            "",
            P1,
            "",
            P2,
        ),
        template=frozenset({line_key("Harbor Post")}),
    )
    assert seg.title == "Council Expands Bus Network To The North"
    # a headline that merely names the site is still a headline
    seg = segment_page(
        page("Harbor Post", "", "Council Expands Bus Network To The North | Harbor Post", "", P1, "", P2),
        template=frozenset({line_key("Harbor Post")}),
    )
    assert seg.title == "Council Expands Bus Network To The North | Harbor Post"


def test_reply_buttons_and_dedent_separate_authorless_comments():
    seg = segment_page(
        page(
            "Bus Plan Approved",
            "",
            P1,
            "",
            P2,
            "",
            "Comments",
            "",
            "Jane Roe",
            "",
            "Great news for the north side, finally.",
            "",
            "Reply",
            "",
            "  • Bob Smith",
            "    I disagree with all of this, honestly.",
            "",
            "Nobody asked the drivers though, did they?",
            "",
            "Reply",
            "",
            "Fares will rise, you watch.",
            "",
            "Reply",
        )
    )
    assert [(c.author, c.depth) for c in seg.comments] == [("Jane Roe", 0), ("Bob Smith", 1), (None, 0), (None, 0)]
    assert "Reply" not in "".join(c.text for c in seg.comments)


def test_flat_single_blank_layout_gives_each_comment_one_block():
    seg = segment_page(
        page(
            "Bus Plan Approved",
            "",
            P1,
            "",
            P2,
            "",
            "Reader comments",
            "",
            "Jane Roe",
            "",
            "Great news for the north side, finally.",
            "",
            "Nobody asked the drivers though, did they?",
            "",
            "bob smith",
            "",
            "Fares will rise, you watch.",
        )
    )
    assert [c.author for c in seg.comments] == ["Jane Roe", None, "bob smith"]


def test_arabic_comment_section():
    body = [
        "افتتحت السلطات المحلية في المدينة صباح الثلاثاء محطة جديدة لتحلية المياه بطاقة كبيرة، "
        "وقال رئيس البلدية إن المحطة ستغطي احتياجات نحو مئتي ألف نسمة من مياه الشرب.",
        "وبلغت تكلفة المشروع نحو تسعين مليون دولار، وأوضحت الشركة المشغلة أن المحطة تعتمد على "
        "الطاقة الشمسية في جزء من تشغيلها خلال ساعات النهار.",
    ]
    seg = segment_page(
        page(
            "افتتاح محطة جديدة لتحلية المياه في المدينة",
            "",
            "الأربعاء 4 مارس 2026",
            "",
            body[0],
            "",
            body[1],
            "",
            "التعليقات",
            "أضف تعليقاً",
            "",
            "أبو يوسف",
            "",
            "خبر جميل أخيراً. عانينا كثيراً في الصيف الماضي.",
            "",
            "رد",
            "",
            "  • منى العلي",
            "    صحيح، وكانت الأسعار مرتفعة جداً.",
            "",
            "سؤال للبلدية: هل سيشمل التوزيع الأحياء الشرقية؟",
            "",
            "رد",
        )
    )
    assert seg.published_date == datetime.date(2026, 3, 4)
    assert [(c.author, c.depth) for c in seg.comments] == [("أبو يوسف", 0), ("منى العلي", 1), (None, 0)]
    assert seg.paragraphs[-2:] == tuple(body)

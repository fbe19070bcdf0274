"""Line-level rules: each test is one decision on a tiny made-up line."""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from textlake.clean import (
    SourceProfile,
    key_hash,
    analyse_line,
    boilerplate_reason,
    is_author_line,
    is_comment_marker,
    is_prose,
    is_reply_ui,
    line_key,
)


def reason(line: str) -> str | None:
    return boilerplate_reason(analyse_line(line))


def test_line_key_ignores_case_digits_bullets_and_edge_punctuation():
    assert line_key("  * Posted 12 Comments!  ") == line_key("Posted 3 comments")
    assert line_key("Home  |  News") == "home | news"


def test_analyse_line_sees_bullets_indent_and_unspaced_scripts():
    info = analyse_line("    • Reply text here.")
    assert info.bullet and info.indent == 4 and info.text == "Reply text here."
    assert analyse_line("これは日本語の文章です。とても長い文章になります。").n_words >= 10


@pytest.mark.parametrize("line, expected", [
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
])
def test_furniture_rules(line, expected):
    assert reason(line) == expected


def test_vocabulary_rules_spare_real_sentences():
    sentence = ("Readers who share the article on social media said they would subscribe "
                "to the newsletter if the comments section stayed open.")
    assert reason(sentence) is None


def test_vocabulary_rules_spare_short_headlines():
    for headline in ("The oldest man in Britain", "Voters register in record numbers", "Flood alerts for Yorkshire"):
        assert reason(headline) is None


def test_prose_needs_words_and_punctuation():
    assert is_prose(analyse_line("The council approved the budget on Monday after a long debate."))
    assert not is_prose(analyse_line("Council Approves Budget After Long Debate In City Hall On Monday Night"))
    assert not is_prose(analyse_line("Related stories"))
    assert not is_prose(analyse_line("Glued Link TitleThe teaser sentence of the linked story, cut off here."))
    assert not is_prose(analyse_line("Home" + "SportNewsWeatherTravelBusinessEntertainment" * 3 + " more links here"))


def test_comment_marker_and_author_line():
    assert is_comment_marker(analyse_line("12 Comments"))
    assert is_comment_marker(analyse_line("Leave a Reply"))
    assert not is_comment_marker(analyse_line("The minister declined to comment on the report."))
    assert is_author_line(analyse_line("jerry hamilton"))
    assert is_author_line(analyse_line("Terence Silvestre Jr."))
    assert not is_author_line(analyse_line("Kill them all."))


def test_source_profile_template_needs_several_documents():
    profile = SourceProfile()
    profile.observe("Home | News\nA story about apples.\nHome | News")
    assert not profile.template(min_docs=1, min_share=0.0)   # one document never makes a template
    profile.observe("Home | News\nA story about pears.")
    profile.observe("Home | News\nA story about plums.")
    template = profile.template()
    assert len(template) == 1
    assert "home | news" in template and "a story about plums." not in template
    assert not profile.template(min_docs=4)


def test_source_profile_survives_pickling_and_merges():
    a, b = SourceProfile(), SourceProfile()
    for text in ("Menu\nOne.", "Menu\nTwo."):
        a.observe(text)
    b.observe("Menu\nThree.")
    restored = pickle.loads(pickle.dumps(a))   # how profiles travel from the pool's workers
    restored.merge(b)
    assert restored.n_docs == 3
    assert "menu" in restored.template(min_docs=3) and len(restored.template(min_docs=3)) == 1


def test_key_hash_is_stable_across_processes():
    # Persisted profiles depend on it: Python's salted hash() would differ in every process.
    script = "from textlake.clean import key_hash; print(key_hash('home | news'))"
    include = str(Path(__file__).resolve().parents[2] / "include")
    runs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONPATH": include}).stdout for _ in range(2)}
    assert runs == {f"{key_hash('home | news')}\n"}


def test_pruning_forgets_only_keys_seen_once(monkeypatch):
    monkeypatch.setattr(SourceProfile, "PRUNE_AT", 3)
    profile = SourceProfile()
    for n in range(4):
        profile.observe(f"Menu\nStory number {'abcd'[n]}.")
    profile.counts()
    profile.prune()
    keys, counts = profile.counts()
    assert counts.tolist() == [4] and "menu" in profile.template()


@pytest.mark.parametrize("line", [
    "6 thoughts on “Counting owls in the dark: notes from the February survey”",
    "Reader comments", "Kommentare", "Schreibe einen Kommentar", "Laisser un commentaire", "12 comentarios",
    "التعليقات", "أضف تعليقاً",
])
def test_comment_markers_in_several_languages(line):
    assert is_comment_marker(analyse_line(line))


def test_comment_markers_spare_article_lines():
    assert not is_comment_marker(analyse_line("Kommentar"))        # an opinion-piece label, not the comment list
    assert not is_comment_marker(analyse_line(
        "6 thoughts on the budget were shared by the mayor, who said the council would vote on Monday."))


@pytest.mark.parametrize("line, expected", [
    ("Reply", True), ("Log in to reply", True), ("    Log in to reply", True), ("رد", True), ("Antworten", True),
    ("Reply to this comment", True), ("Jane Roe", False), ("We replied to the council in March.", False),
])
def test_reply_buttons(line, expected):
    assert is_reply_ui(analyse_line(line)) is expected


def test_arabic_reply_button_is_comment_ui_not_an_author():
    assert reason("رد") == "comment_ui"


def test_arabic_question_mark_ends_a_sentence():
    assert analyse_line("هل سيشمل التوزيع الأحياء الشرقية أم فقط وسط المدينة؟").ends_sentence

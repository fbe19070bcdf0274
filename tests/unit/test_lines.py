"""Line features: words, bullets, indentation, punctuation and the shape of prose."""

from __future__ import annotations

from textlake.lines import analyse_line, is_prose


def test_analyse_line_sees_bullets_indent_and_unspaced_scripts():
    info = analyse_line("    • Reply text here.")
    assert info.bullet and info.indent == 4 and info.text == "Reply text here."
    assert analyse_line("これは日本語の文章です。とても長い文章になります。").n_words >= 10


def test_prose_needs_words_and_punctuation():
    assert is_prose(analyse_line("The council approved the budget on Monday after a long debate."))
    assert not is_prose(analyse_line("Council Approves Budget After Long Debate In City Hall On Monday Night"))
    assert not is_prose(analyse_line("Related stories"))
    assert not is_prose(analyse_line("Glued Link TitleThe teaser sentence of the linked story, cut off here."))
    assert not is_prose(analyse_line("Home" + "SportNewsWeatherTravelBusinessEntertainment" * 3 + " more links here"))


def test_arabic_question_mark_ends_a_sentence():
    assert analyse_line("هل سيشمل التوزيع الأحياء الشرقية أم فقط وسط المدينة؟").ends_sentence

"""Handles, metadata and buttons of comment sections, in the languages comment systems speak."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from textlake.comment_lines import (
    dated_handle,
    interface_lines,
    is_button_row,
    is_meta,
    reads_as_phrase,
    reply_to,
    says_handle,
)
from textlake.lexicon import shipped
from textlake.line_features import stoplist
from textlake.lines import analyse_line


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Graham Pettigrew says:", "Graham Pettigrew"),
        ("Petra Lindner schreibt:", "Petra Lindner"),
        ("Marta Echeverría dice:", "Marta Echeverría"),
        ("Nathalie Brossard a dit : 17 juin 2021 à 8 h 41 min", "Nathalie Brossard"),
        ("Rudy Castellanos said...", "Rudy Castellanos"),
        ("Post by hollis.j » Mon Apr 12, 2021 7:05 am", "hollis.j"),
        ("The council says the plan is overdue", None),
    ],
)
def test_says_handles_name_their_commenter(line, name):
    assert says_handle(line) == name


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Par Bruno Gobin, le mercredi 15 mai 2019 à 08h07", "Bruno Gobin"),
        ("Am 29. Mai 2017 um 14:38 von Hugo", "Hugo"),
        ("photobix 11. Dezember 2012 um 11:07", "photobix"),
        ("Sana6. Juni 2015 um 10:23", "Sana"),  # the name runs into the date
        ("Mathias Autor11. Dezember 2012 um 13:19", "Mathias"),  # the post author's badge is not the name
        ("@kpeterlka 11. Dezember 2012 um 14:11", "@kpeterlka"),
        ("Rolf Buckpesch 29.07.2020 // 12:56", "Rolf Buckpesch"),
        ("July 15, 2021 at 8:42 am", None),
        ("The meeting on 4 May 2021 decided to close the pier for the winter months", None),
    ],
)
def test_a_handle_with_its_date_names_the_commenter(line, name):
    assert dated_handle(line) == name


@pytest.mark.parametrize(
    "line",
    [
        "• 3 years ago",
        "vor 2 Stunden",
        "il y a 3 jours",
        "09.11.2023, 20:15 Uhr",
        "Jan '21",
        "Posts: 412",
        "Joined: Sat Mar 14, 2015 7:02 pm",
        "Reply to  Ben Adeyemi",
    ],
)
def test_comment_metadata(line):
    assert is_meta(analyse_line(line))


@pytest.mark.parametrize(
    "line",
    [
        "Like · Reply · 1 · 2y",
        "7 △ ▽",
        "Daumen hoch 12 Daumen runter 1",
        "Liked by 1 person",
        "Share ›",
        "0",
        "Antworten",
        "Melden",
        "3 Likes",
    ],
)
def test_button_rows(line):
    assert is_button_row(analyse_line(line))


@pytest.mark.parametrize(
    "line", ["Thanks Graham, that is good to hear.", "Maren Holt", "Reply all you want, I will not change my mind."]
)
def test_text_and_names_are_not_buttons(line):
    assert not is_button_row(analyse_line(line))


def test_reply_to_marks_a_reply():
    assert reply_to(analyse_line("Reply to  Ben Adeyemi")) and not reply_to(analyse_line("Ben Adeyemi"))


def test_comment_form_lines_are_interface_in_every_language():
    lines = [
        "Your email address will not be published. Required fields are marked *",
        "Name *",
        "Website",
        "Deine E-Mail-Adresse wird nicht veröffentlicht. Erforderliche Felder sind mit * markiert",
        "Save my name, email, and website in this browser for the next time I comment.",
        "Sort by Best",
        "Maren Holt",
        "Thanks Graham! We grew Music and a purple-striped type.",
    ]
    infos = [analyse_line(line) for line in lines]
    lexical, keys = shipped().match(pa.array([i.text for i in infos]), np.array([i.n_words for i in infos], dtype=float))
    flags = interface_lines(infos, lexical, keys).tolist()
    assert flags == [True] * 6 + [False, False]


@pytest.mark.parametrize(
    ("line", "language", "phrase"),
    [
        ("Archiv meiner Beiträge", "de", False),  # one function word of six letters: could be a name's
        ("Lachen über die Grenze", "de", True),
        ("Kategorien und Schlagwörter", "de", True),
        ("Ursula von der Leyen", "de", False),
        ("Mr. Tran's former student", "en", False),
        ("Corner Bean regular", "en", False),
        ("Why Polarization Isn't Our Problem", "en", True),
    ],
)
def test_post_titles_and_headings_read_as_phrases_names_do_not(line, language, phrase):
    assert reads_as_phrase(line, stoplist(language)) is phrase

"""The line table: one row of numeric evidence per line, in the page's language."""

from __future__ import annotations

import numpy as np

from textlake.clean import classify_page
from textlake.line_features import feature_names, line_table, stopwords
from textlake.segment import page_layout

PROSE_DE = (
    "Der Gemeinderat hat am Dienstag beschlossen, dass die Bücherei ab Januar auch am Samstag geöffnet ist, "
    "und zwar bis zum Abend."
)
PROSE_EN = (
    "The council decided on Tuesday that the library will also open on Saturdays from January, and stay open until the evening."
)


def table_of(text: str, language: str):
    page = classify_page(text)
    _, runs, comment_start = page_layout(page.infos, page.kinds)
    return page, line_table(page, language, runs, comment_start), feature_names()


def test_one_row_per_line_one_column_per_feature_and_blank_lines_are_zeros():
    page, table, names = table_of(f"Titel\n\n{PROSE_DE}\n\n{PROSE_DE}", "de")
    assert table.shape == (len(page.infos), len(names))
    assert np.isfinite(table).all()
    blank = [i for i, info in enumerate(page.infos) if not info.text]
    assert blank and not table[blank].any()


def test_stopword_density_is_measured_in_the_pages_language():
    _, german, names = table_of(PROSE_DE, "de")
    _, english, _ = table_of(PROSE_EN, "en")
    _, mismatched, _ = table_of(PROSE_DE, "en")
    share = names.index("stopword_share")
    assert german[0, share] > 0.3 and english[0, share] > 0.3 and mismatched[0, share] < 0.1
    assert len(stopwords("de")) > 100 and len(stopwords("xx")) == 0


def test_an_interface_heading_colours_the_lines_below_it():
    text = f"{PROSE_EN}\n\n{PROSE_EN} More.\n\nÄhnliche Beiträge\n\nErster Artikel der Woche\n\nZweiter Artikel der Woche"
    page, table, names = table_of(text, "de")
    rows = {info.text: table[i] for i, info in enumerate(page.infos)}
    assert rows["Ähnliche Beiträge"][names.index("lexicon_related")] == 1.0
    below = names.index("below_related")
    assert rows["Erster Artikel der Woche"][below] > rows["Zweiter Artikel der Woche"][below] > 0
    assert rows[PROSE_EN][below] == 0.0

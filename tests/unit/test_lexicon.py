"""The interface lexicon: the phrases of page furniture in eleven languages, and how lines match them."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import yaml

from textlake.lexicon import LEXICON, MAX_WORDS, Lexicon, normalise, shipped

LANGUAGES = {"en", "de", "fr", "es", "it", "pt", "nl", "pl", "ru", "tr", "ar"}


def test_every_category_speaks_every_language_in_lower_case_without_repeats():
    categories = yaml.safe_load(LEXICON.read_text(encoding="utf-8"))["categories"]
    assert len(categories) >= 20
    for category, by_language in categories.items():
        assert set(by_language) >= LANGUAGES, category
        for language, phrases in by_language.items():
            assert phrases, (category, language)
            assert all(p == p.lower() for p in phrases), (category, language)
            assert len(phrases) == len(set(phrases)), (category, language)


def test_presentation_does_not_change_a_phrase():
    keys = normalise(pa.array(["» Weiterlesen …", "  Read   MORE ", "12 Kommentare", "Don’t miss"])).to_pylist()
    assert keys == ["weiterlesen", "read more", "0 kommentare", "don't miss"]


def test_a_whole_phrase_scores_one_its_opening_words_half_and_long_lines_nothing():
    lexicon = Lexicon({"related": {"en": ["related articles"]}, "share": {"de": ["teilen"]}})
    lines = pa.array(
        ["Related articles", "Related articles: the week in review", "Teilen!", "We are teilen people"]
        + ["related articles " + "word " * MAX_WORDS]
    )
    words = np.array([2, 6, 1, 4, MAX_WORDS + 2], dtype=float)
    scores = lexicon.scores(lines, words)
    related, share = lexicon.categories.index("related"), lexicon.categories.index("share")
    assert scores[:, related].tolist() == [1.0, 0.5, 0.0, 0.0, 0.0]
    assert scores[:, share].tolist() == [0.0, 0.0, 1.0, 0.0, 0.0]


def test_the_shipped_lexicon_knows_furniture_in_several_languages():
    lexicon = shipped()
    lines = [
        "Ähnliche Beiträge",
        "Mit Freunden teilen",
        "Über den Autor",
        "Articles similaires",
        "Похожие статьи",
        "The river rose",
    ]
    scores = lexicon.scores(pa.array(lines), np.array([len(line.split()) for line in lines], dtype=float))
    assert (scores[:5].max(axis=1) == 1.0).all() and scores[5].max() == 0.0
    assert "comment_form" in lexicon.categories and "your email address will not be published" in lexicon.phrases("comment_form")

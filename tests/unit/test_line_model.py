"""The line model: fitted numbers shipped in include/config, and drops that name their strongest evidence."""

from __future__ import annotations

import json

import numpy as np
import pytest

from textlake.line_features import feature_names
from textlake.line_model import MODEL, LineModel, feature_reason, shipped
from textlake.reasons import Reason
from textlake.segment import segment_page


def test_the_shipped_model_is_a_few_kilobytes_and_matches_the_line_table():
    assert MODEL.stat().st_size < 20_000
    model = shipped()
    assert list(model.features) == feature_names()
    assert len(model.coef) == len(model.mean) == len(model.scale) == len(model.features)
    assert 0 < model.threshold < 1
    assert json.loads(MODEL.read_text())["trained_on"]["pages"] > 900


def test_a_drop_keeps_the_reason_of_its_strongest_named_evidence():
    names = ("log_words", "lexicon_related", "lexicon_share")
    model = LineModel(names, np.zeros(3), np.ones(3), np.array([1.0, -2.0, -1.0]), 0.0, 0.5)
    table = np.array([[0.0, 1.0, 1.0], [-1.0, 0.0, 0.0], [2.0, 0.0, 0.0]])
    verdicts = model.verdicts(table, np.array([True, True, True]), np.array([False, True, False]))
    assert verdicts == {0: Reason.RELATED_LINKS, 1: Reason.OFF_MAIN_BLOCK}  # line 2 is main text
    assert feature_reason("below_author_box") == Reason.AUTHOR_BOX and feature_reason("log_words") is None


def test_a_threshold_of_zero_drops_nothing():
    names = ("log_words",)
    model = LineModel(names, np.zeros(1), np.ones(1), np.array([1.0]), -5.0, 0.0)
    assert model.verdicts(np.array([[0.0]]), np.array([True]), np.array([True])) == {}


def test_a_related_articles_list_in_german_leaves_the_article():
    article = "\n\n".join(
        [
            "Der Gemeinderat hat am Dienstag beschlossen, dass die Bücherei ab Januar auch am Samstag geöffnet ist.",
            "Die Kosten von rund 48.000 Euro im Jahr werden aus dem laufenden Haushalt gedeckt, wie die Verwaltung mitteilte.",
            "Kritik kam lediglich von einer Fraktion, die sich mehr Angebote für ältere Menschen gewünscht hätte.",
            "Die neuen Öffnungszeiten gelten ab dem achten Januar und werden auf der Internetseite der Gemeinde veröffentlicht.",
        ]
    )
    related = "Ähnliche Beiträge\n\nNeues Jugendzentrum bekommt grünes Licht\n\nHaushalt 2024: Waldbrunn muss sparen"
    page = f"Bücherei öffnet am Samstag\n\n{article}\n\n{related}"
    seg = segment_page(page)
    assert seg.title == "Bücherei öffnet am Samstag"
    assert len(seg.paragraphs) == 4 and not any("Jugendzentrum" in p or "Waldbrunn" in p for p in seg.paragraphs)
    reasons = {d.text: d.reason for d in seg.dropped}
    assert reasons["Ähnliche Beiträge"] is not None


def test_a_page_too_long_for_the_line_table_is_judged_by_the_rules_alone(monkeypatch):
    from textlake import segment

    towns = ("Northville", "Eastwood", "Southbay", "Westfield", "Midtown", "Hillcrest", "Lakeside", "Ashford")
    page = "Title of the page\n\n" + "\n\n".join(
        f"In {town} the council met on Tuesday and agreed the plan for the seafront after a long debate." for town in towns
    )
    monkeypatch.setattr(segment, "judge_lines", lambda *a, **k: pytest.fail("the line model ran"))
    monkeypatch.setattr(segment, "MODEL_MAX_LINES", 10)
    seg = segment.segment_page(page + "\n\nRelated articles\n\nAnother story")
    assert len(seg.paragraphs) == len(towns) and seg.title == "Title of the page"

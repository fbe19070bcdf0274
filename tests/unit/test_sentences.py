"""Sentence offsets: Python string indices into the paragraph, whatever its script."""

from __future__ import annotations

import pytest

from textlake.sentences import sentence_spans


def test_sentence_spans_are_string_offsets_even_for_non_ascii():
    text = "Lt. Col. Abu Osama spoke. «السلام عليكم» قال. Then he left."
    spans = sentence_spans(text)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert text[spans[-1][0] : spans[-1][1]] == "Then he left."
    assert all(text[s:e] == text[s:e].strip() for s, e in spans)
    assert sentence_spans("  ") == []


def test_sentence_spans_over_mixed_scripts_and_emoji():
    text = (
        "He said “It’s over.” قال المتحدث إن القرار نهائي! 北京时间今天上午，会议正式开幕。 "
        "Great news 🎉 for the 👨\u200d👩\u200d👧 family.  "
    )
    spans = sentence_spans(text)
    assert spans == [(0, 20), (21, 49), (50, 66), (67, 101)]
    assert text[67:101] == "Great news 🎉 for the 👨\u200d👩\u200d👧 family."


@pytest.mark.parametrize(
    "text",
    [
        "Café crème. Naïve résumé! e\u0301 combining? Done.",
        "\u200bZero width start. Middle\u200b. End\u200b",
        "\u3000全角スペース。\u3000次の文。\u3000",
        "Control \x01 char. And \x00 nul. Ok.",
        "Plain ASCII. Mr. Smith arrived at 5 p.m. on Jan. 3. Fine.",
        "Sentence number é. " * 5000,  # beyond the reused buffers
        "x " * 40000 + "End. Last one é.",
    ],
)
def test_sentence_spans_match_blingfires_own_offsets(text):
    blingfire = pytest.importorskip("blingfire")
    _, offsets = blingfire.text_to_sentences_and_offsets(text)
    expected = []
    for s, e in offsets:
        piece = text[s:e]
        s, e = s + len(piece) - len(piece.lstrip()), e - len(piece) + len(piece.rstrip())
        if e > s:
            expected.append((s, e))
    assert sentence_spans(text) == expected

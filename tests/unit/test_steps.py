"""The step contract: every step counts what came in, went on and was dropped, and why."""

from __future__ import annotations

from collections import Counter

import pytest

from textlake.reasons import LINE_STAGE, Reason, Stage
from textlake.schema import QUARANTINED, REJECTED
from textlake.steps import Chain, DocumentRule, Drop, Step, StepStats, format_steps, merge_stats


class Upper(Step):
    name, stage, doing = "upper", Stage.CLEAN, "shouting"

    def process(self, doc):
        if doc == "boom":
            raise ValueError("no shouting here")
        return doc.upper()


class NoShortWords(DocumentRule):
    name, stage, doing = "no_short_words", Stage.CLEAN, "counting letters"

    def check(self, doc):
        return Drop(self.stage, Reason.NO_MAIN_TEXT, f"{len(doc)} letters") if len(doc) < 3 else None


def test_a_step_counts_in_out_drops_and_cpu_and_a_crash_is_a_drop():
    chain = Chain([Upper(), NoShortWords()])
    results = [chain.run(doc) for doc in ("news", "ok", "boom", "story")]
    assert results[0] == "NEWS" and results[3] == "STORY"
    assert results[1] == Drop(Stage.CLEAN, Reason.NO_MAIN_TEXT, "2 letters")
    assert results[2].code is Reason.INTERNAL_ERROR and "while shouting: ValueError: no shouting here" in results[2].detail
    upper, rule = chain.stats()
    assert (upper.docs_in, upper.docs_out, upper.dropped) == (4, 3, Counter({Reason.INTERNAL_ERROR: 1}))
    assert (rule.docs_in, rule.docs_out, rule.dropped) == (3, 2, Counter({Reason.NO_MAIN_TEXT: 1}))
    assert upper.cpu_seconds >= 0 and rule.cpu_seconds >= 0


def test_a_drop_names_its_ledger_status_and_reason():
    assert Drop(Stage.DECODE, Reason.EMPTY, "empty file").status == REJECTED
    assert Drop(Stage.DECODE, Reason.EMPTY, "empty file").reason == "decode: empty file"
    assert Drop(Stage.READ, Reason.UNREADABLE, "unreadable: OSError: gone").reason == "unreadable: OSError: gone"
    assert Drop(Stage.CLEAN, Reason.NO_MAIN_TEXT, "no main text: 3 characters").status == QUARANTINED


def test_lines_a_kept_document_lost_are_credited_to_the_step_of_their_stage():
    class Page:
        def __init__(self, reasons):
            self.segments = type("Segments", (), {"dropped": [type("Line", (), {"reason": r})() for r in reasons]})()

    class Clean(Step):
        name, stage, doing = "clean", Stage.CLEAN, "cleaning"

        def process(self, doc):
            return doc

    class Segment(Clean):
        name, stage = "segment", Stage.SEGMENT

    chain = Chain([Clean(), Segment()])
    chain.run(Page([Reason.NAV_MENU, Reason.NAV_MENU, Reason.OFF_MAIN_BLOCK, Reason.TEMPLATE_REPEAT]))
    clean, segment = chain.stats()
    assert clean.lines_dropped == Counter({Reason.NAV_MENU: 2, Reason.TEMPLATE_REPEAT: 1})
    assert segment.lines_dropped == Counter({Reason.OFF_MAIN_BLOCK: 1})


def test_every_line_reason_belongs_to_the_stage_that_decides_it():
    line_reasons = {
        r
        for r in Reason
        if r.value
        in {
            "nav_menu",
            "navigation",
            "section_heading",
            "donation_widget",
            "share_widget",
            "subscribe_widget",
            "comment_ui",
            "cookie_notice",
            "copyright",
            "login",
            "caption",
            "reading_time",
            "advert",
            "code",
            "teaser",
            "related_links",
            "author_box",
            "site_notice",
            "template_repeat",
            "duplicate_line",
            "off_main_block",
            "short_fragment",
            "comment_meta",
        }
    }
    assert set(LINE_STAGE) == line_reasons
    from textlake.furniture import RULES

    assert {rule.reason for rule in RULES} <= {r for r, s in LINE_STAGE.items() if s is Stage.CLEAN}


def test_stats_merge_by_step_in_chain_order_and_survive_json():
    a = [
        StepStats("read", Stage.READ, 3, 2, Counter({"unreadable": 1}), cpu_seconds=0.5),
        StepStats("decode", Stage.DECODE, 2, 2, cpu_seconds=0.25),
    ]
    b = [StepStats("read", Stage.READ, 1, 1).as_dict(), StepStats("decode", Stage.DECODE, 1, 0, Counter({"binary": 1})).as_dict()]
    read, decode = merge_stats([a, b])
    assert (read.step, read.docs_in, read.docs_out, read.dropped) == ("read", 4, 3, Counter({"unreadable": 1}))
    assert (decode.docs_in, decode.docs_out, decode.dropped) == (3, 2, Counter({"binary": 1}))
    assert StepStats.from_dict(read.as_dict()) == read


@pytest.mark.parametrize("n", [1, 12345])
def test_the_table_has_a_line_per_step(n):
    table = format_steps([StepStats("decode", Stage.DECODE, n, n - 1, Counter({"binary": 1}), Counter(), 1.5)]).splitlines()
    assert table[0].split() == ["step", "stage", "in", "out", "dropped", "lines", "dropped", "cpu", "s"]
    assert table[1].split()[:4] == ["decode", "decode", f"{n:,}", f"{n - 1:,}"] and "binary 1" in table[1]

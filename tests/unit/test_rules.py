"""Document rules: whole-document refusals after segmentation."""

from __future__ import annotations

import types

from textlake.config import PipelineConfig
from textlake.reasons import Reason, Stage
from textlake.rules import DOCUMENT_RULES, MinBodyChars, document_rules


def doc(body: str):
    return types.SimpleNamespace(body=body)


def test_min_body_chars_refuses_a_page_with_too_little_main_text():
    rule = document_rules(PipelineConfig.from_overrides({"min_body_chars": 10}))[0]
    assert isinstance(rule, MinBodyChars) and rule.min_chars == 10
    assert rule(doc("ten chars!")).body == "ten chars!"
    drop = rule(doc("short"))
    assert (drop.stage, drop.code) == (Stage.CLEAN, Reason.NO_MAIN_TEXT)
    assert drop.detail == "no main text: 5 characters left after cleaning (min_body_chars=10)"
    assert (rule.stats.docs_in, rule.stats.docs_out, dict(rule.stats.dropped)) == (2, 1, {Reason.NO_MAIN_TEXT: 1})


def test_the_chain_gets_every_rule_in_order():
    rules = document_rules(PipelineConfig.from_overrides())
    assert [type(r) for r in rules] == [rule for rule, _ in DOCUMENT_RULES]
    assert len({r.name for r in rules}) == len(rules)

"""Document rules: whole-document refusals after segmentation, each a counted step.

A rule is a `DocumentRule` whose `check` returns a `Drop` (stage, reason code, detail)
for a document it refuses and None for one it keeps; the chain runs the rules in the
order of `DOCUMENT_RULES`, after segmentation and before enrichment (no language id or
MinHash is spent on a refused page). A refused document ends in the ledger as
`quarantined` with the rule's reason, and its text in the `quarantine` dataset.
"""

from __future__ import annotations

from textlake.config import PipelineConfig
from textlake.reasons import Reason, Stage
from textlake.steps import DocumentRule, Drop


class MinBodyChars(DocumentRule):
    """A page whose cleaning left less main text than `min_body_chars` has no article to keep."""

    name, stage, doing = "min_body_chars", Stage.CLEAN, "checking the body length"

    min_chars: int

    def check(self, doc) -> Drop | None:
        if len(doc.body) >= self.min_chars:
            return None
        return Drop(
            self.stage,
            Reason.NO_MAIN_TEXT,
            f"no main text: {len(doc.body)} characters left after cleaning (min_body_chars={self.min_chars})",
        )


# In order, each with its settings from the run's configuration.
DOCUMENT_RULES = ((MinBodyChars, lambda config: {"min_chars": config.min_body_chars}),)


def document_rules(config: PipelineConfig) -> list[DocumentRule]:
    return [rule(**settings(config)) for rule, settings in DOCUMENT_RULES]

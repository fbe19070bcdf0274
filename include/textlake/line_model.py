"""The line model: how likely a line is main text, from its row of the line table, and why not.

A logistic regression over the standardised features of `textlake.line_features`, fitted by
`bench/train_line_model.py` on the two dev gold sets and shipped as numbers in
`include/config/line_model.json`. A line below the threshold is furniture; its reason code
is the one of the feature group that pulled it down the most, so a drop names what gave the
line away (an interface phrase of a category, a rule, or merely its place on the page).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from textlake.config import PROJECT_ROOT
from textlake.reasons import Reason

MODEL = PROJECT_ROOT / "include" / "config" / "line_model.json"

# Which reason a feature's evidence stands for; features not named here speak of shape and place.
_CATEGORY_REASON = {
    "share": Reason.SHARE_WIDGET,
    "follow": Reason.SHARE_WIDGET,
    "print": Reason.SHARE_WIDGET,
    "rating": Reason.SHARE_WIDGET,
    "related": Reason.RELATED_LINKS,
    "read_more": Reason.RELATED_LINKS,
    "subscribe": Reason.SUBSCRIBE_WIDGET,
    "author_box": Reason.AUTHOR_BOX,
    "comments": Reason.COMMENT_UI,
    "comment_form": Reason.COMMENT_UI,
    "login": Reason.LOGIN,
    "cookie": Reason.COOKIE_NOTICE,
    "legal": Reason.COPYRIGHT,
    "browser_notice": Reason.SITE_NOTICE,
    "navigation": Reason.NAVIGATION,
    "tags": Reason.NAVIGATION,
    "pagination": Reason.NAVIGATION,
    "media_credit": Reason.CAPTION,
    "advert": Reason.ADVERT,
    "shop": Reason.ADVERT,
}
_RULE_REASON = {
    "rule_navigation": Reason.NAVIGATION,
    "rule_widget": Reason.SHARE_WIDGET,
    "rule_legal": Reason.COPYRIGHT,
    "rule_other": Reason.TEASER,
    "template_repeat": Reason.TEMPLATE_REPEAT,
}


def feature_reason(name: str) -> Reason | None:
    """The reason a feature's evidence names, or None for shape and position."""
    for prefix in ("lexicon_", "below_"):
        if name.startswith(prefix):
            return _CATEGORY_REASON.get(name.removeprefix(prefix))
    return _RULE_REASON.get(name)


@dataclass(frozen=True)
class LineModel:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float
    # inside the span of the main text a line needs stronger evidence against it: the article's own
    # short lines (list items, sub-headings, a speaker's name) look like furniture out of context
    inside_threshold: float = 0.0

    @classmethod
    def from_dict(cls, fitted: dict) -> LineModel:
        return cls(
            tuple(fitted["features"]),
            np.array(fitted["mean"]),
            np.array(fitted["scale"]),
            np.array(fitted["coef"]),
            float(fitted["intercept"]),
            float(fitted["threshold"]),
            float(fitted.get("inside_threshold", 0.0)),
        )

    @classmethod
    def load(cls, path: Path = MODEL) -> LineModel:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))

    def contributions(self, table: np.ndarray) -> np.ndarray:
        """Each feature's share of each line's log-odds of being main text."""
        return (table - self.mean) / self.scale * self.coef

    def probabilities(self, table: np.ndarray) -> np.ndarray:
        logit = self.contributions(table).sum(axis=1) + self.intercept
        return 1.0 / (1.0 + np.exp(-logit))

    def verdicts(
        self, table: np.ndarray, candidates: np.ndarray, prose: np.ndarray, inside: np.ndarray | None = None
    ) -> dict[int, Reason]:
        """The candidate lines the model calls furniture, each with the reason of its strongest evidence.

        `inside` marks the lines within the main text's span, judged by `inside_threshold`.
        """
        if not candidates.any() or self.threshold <= 0:
            return {}
        contributions = self.contributions(table)
        logit = contributions.sum(axis=1) + self.intercept
        cut = np.full(len(table), _log_odds(self.threshold))
        if inside is not None:
            cut[inside] = _log_odds(self.inside_threshold)
        below = np.flatnonzero(candidates & (logit < cut))
        if not len(below):
            return {}
        # only the named features a line shows compete for its reason
        evidence = contributions[below] * self._named * (table[below] > 0)
        strongest = evidence.argmin(axis=1)
        named = evidence[np.arange(len(below)), strongest] < 0
        reasons = self._reasons
        return {
            int(i): reasons[k] if has else (Reason.OFF_MAIN_BLOCK if prose[i] else Reason.SHORT_FRAGMENT)
            for i, k, has in zip(below.tolist(), strongest.tolist(), named.tolist(), strict=True)
        }

    @functools.cached_property
    def _reasons(self) -> list[Reason | None]:
        return [feature_reason(name) for name in self.features]

    @functools.cached_property
    def _named(self) -> np.ndarray:
        return np.array([r is not None for r in self._reasons], dtype=np.float64)


def _log_odds(p: float) -> float:
    return -np.inf if p <= 0 else np.log(p / (1 - p))


@functools.lru_cache(maxsize=1)
def shipped() -> LineModel:
    """The fitted model of `include/config/`, loaded once per process."""
    return LineModel.load()

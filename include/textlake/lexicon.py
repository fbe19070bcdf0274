"""Interface phrases: the words websites use for their menus, widgets and boxes, in many languages.

`include/config/interface_lexicon.yaml` lists, per category (share, related, subscribe,
author box, comment form, …) and language, the phrases of page furniture. A short line that
is one of them, or starts with one, is evidence of furniture for the line model
(`textlake.line_model`); it never condemns a line on its own. The phrases are written from
knowledge of web interfaces, never taken from a benchmark.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from textlake.config import PROJECT_ROOT

LEXICON = PROJECT_ROOT / "include" / "config" / "interface_lexicon.yaml"
MAX_WORDS = 12  # longer lines are not interface labels, whatever words they start with
_MAX_PREFIX_WORDS = 6
# What "presentation" strips from a line's edges: punctuation, symbols and arrows around a label.
_EDGES = " \t\u00a0.,;:!?\"'()[]{}«»„“”‚‘’‹›<>*|/\\–—-_…·•►▸▶→←↑↓⇒#~+=&%$@^`©®™✓✔✕✖×"
_APOSTROPHES = ("’", "'")


def normalise(lines: pa.Array) -> pa.Array:
    """Case, spacing, apostrophes and edge punctuation are presentation: "» Weiterlesen …" reads "weiterlesen".

    Digits stand for any number: "12 Kommentare" reads as "1 kommentare" does.
    """
    folded = pc.replace_substring(pc.utf8_lower(lines), *_APOSTROPHES)
    spaced = pc.binary_join(pc.utf8_split_whitespace(folded), " ")
    return pc.utf8_trim(pc.replace_substring_regex(spaced, r"[0-9]+", "0"), _EDGES)


class Lexicon:
    """Per category, the interface phrases of every language, matched as a whole line or as its first words."""

    def __init__(self, categories: dict[str, dict[str, list[str]]]):
        self.categories = sorted(categories)
        members: dict[str, set[int]] = {}
        for c, category in enumerate(self.categories):
            phrases = [p for by_language in categories[category].values() for p in by_language]
            for key in normalise(pa.array(phrases, pa.string())).to_pylist():
                if key:
                    members.setdefault(key, set()).add(c)
        self._phrases = pa.array(sorted(members), pa.string())
        self._matrix = np.zeros((len(members) + 1, len(self.categories)))  # the last row: no phrase
        for row, key in enumerate(self._phrases.to_pylist()):
            self._matrix[row, sorted(members[key])] = 1.0
        self._prefix_words = min(_MAX_PREFIX_WORDS, max((k.count(" ") + 1 for k in members), default=1))
        self._members = members

    def phrases(self, category: str) -> set[str]:
        """The normalised phrases of one category, in every language."""
        c = self.categories.index(category)
        return {key for key, owners in self._members.items() if c in owners}

    @classmethod
    def load(cls, path: Path = LEXICON) -> Lexicon:
        return cls(yaml.safe_load(path.read_text(encoding="utf-8"))["categories"])

    def scores(self, lines: pa.Array, words: np.ndarray) -> np.ndarray:
        """Per line and category: 1 when the line is a phrase, 0.5 when it starts with one, else 0."""
        return self.match(lines, words)[0]

    def match(self, lines: pa.Array, words: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """`scores`, and every line's normalised key (one pass of Arrow's kernels over the page).

        Only lines of at most `MAX_WORDS` words are looked up: each one's whole text and first
        words probe one hash of all phrases.
        """
        keys = normalise(lines).to_pylist()
        out = np.zeros((len(keys), len(self.categories)))
        row_of, none = self._row_of, len(self._phrases)
        for i in np.flatnonzero(words <= MAX_WORDS).tolist():
            key = keys[i]
            whole = row_of.get(key, none)
            if whole != none:
                out[i] = self._matrix[whole]
                continue
            tokens = key.split(" ")
            for k in range(min(len(tokens) - 1, self._prefix_words), 0, -1):
                head = row_of.get(" ".join(tokens[:k]).strip(_EDGES), none)
                if head != none:
                    out[i] = np.maximum(out[i], 0.5 * self._matrix[head])
        return out, keys

    @functools.cached_property
    def _row_of(self) -> dict[str, int]:
        return {key: row for row, key in enumerate(self._phrases.to_pylist())}


@functools.lru_cache(maxsize=1)
def shipped() -> Lexicon:
    """The lexicon of `include/config/`, compiled once per process."""
    return Lexicon.load()

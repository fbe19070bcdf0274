"""A source's template: line keys counted once per document, across documents and runs."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

from textlake.template import SourceProfile, key_hash, line_key


def test_line_key_ignores_case_digits_bullets_and_edge_punctuation():
    assert line_key("  * Posted 12 Comments!  ") == line_key("Posted 3 comments")
    assert line_key("Home  |  News") == "home | news"


def test_source_profile_template_needs_several_documents():
    profile = SourceProfile()
    profile.observe("Home | News\nA story about apples.\nHome | News")
    assert not profile.template(min_docs=1, min_share=0.0)  # one document never makes a template
    profile.observe("Home | News\nA story about pears.")
    profile.observe("Home | News\nA story about plums.")
    template = profile.template()
    assert len(template) == 1
    assert "home | news" in template and "a story about plums." not in template
    assert not profile.template(min_docs=4)


def test_source_profile_survives_pickling_and_merges():
    a, b = SourceProfile(), SourceProfile()
    for text in ("Menu\nOne.", "Menu\nTwo."):
        a.observe(text)
    b.observe("Menu\nThree.")
    restored = pickle.loads(pickle.dumps(a))  # how profiles travel from the pool's workers
    restored.merge(b)
    assert restored.n_docs == 3
    assert "menu" in restored.template(min_docs=3) and len(restored.template(min_docs=3)) == 1


def test_key_hash_is_stable_across_processes():
    # Persisted profiles depend on it: Python's salted hash() would differ in every process.
    script = "from textlake.template import key_hash; print(key_hash('home | news'))"
    include = str(Path(__file__).resolve().parents[2] / "include")
    runs = {
        subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": include}
        ).stdout
        for _ in range(2)
    }
    assert runs == {f"{key_hash('home | news')}\n"}


def test_pruning_forgets_only_keys_seen_once(monkeypatch):
    monkeypatch.setattr(SourceProfile, "PRUNE_AT", 3)
    profile = SourceProfile()
    for n in range(4):
        profile.observe(f"Menu\nStory number {'abcd'[n]}.")
    profile.counts()
    profile.prune()
    keys, counts = profile.counts()
    assert counts.tolist() == [4] and "menu" in profile.template()

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


def test_copies_of_a_page_are_counted_once():
    profile = SourceProfile()
    page = "Harbor Post\nPier to close for repairs\nThe harbour authority confirmed on Monday that the north pier will close."
    for _ in range(3):
        profile.observe(page)
    profile.observe("Harbor Post\nFerry timetable changes\nFerries will use the southern berth from next week on.")
    assert profile.n_docs == 2
    assert "pier to close for repairs" not in profile.template(min_docs=2, min_share=0.0)
    assert "harbor post" in profile.template(min_docs=2, min_share=0.0)


def test_copies_of_a_page_in_a_source_keep_their_title(tmp_path):
    """Three copies of one page (as is, with CRLF line endings, with a BOM) and two other pages of the site."""
    import pyarrow.dataset as ds

    from textlake.config import PipelineConfig
    from textlake.pipeline import run_pipeline

    menu = "Harbor Post\n\nHome | Local | Sport | Weather\n\n"
    footer = "\n\nShare this article\n\n© 2024 Harbor Post. All rights reserved.\n"
    body = (
        "The harbour authority confirmed on Monday that the north pier will close for repairs until the end of March, "
        "and that ferries will use the southern berth in the meantime.\n\n"
        "Engineers found corrosion in the steel piles during a routine inspection last autumn, the authority said, "
        "and the repairs cannot wait for the summer season."
    )
    site = tmp_path / "in" / "harborpost.example"
    site.mkdir(parents=True)
    page = f"{menu}North pier to close for winter repairs\n\n{body}{footer}"
    (site / "pier.txt").write_text(page, encoding="utf-8")
    (site / "pier-crlf.txt").write_bytes(page.replace("\n", "\r\n").encode("utf-8"))
    (site / "pier-bom.txt").write_bytes(b"\xef\xbb\xbf" + page.encode("utf-8"))
    for n, headline in enumerate(("Ferry timetable changes next week", "Lifeboat crew rescues two kayakers")):
        other = (
            f"Story {n}: the council met on Tuesday and agreed the new plan for the seafront after a long debate "
            f"about parking, lighting and the costs of the works."
        )
        (site / f"other-{n}.txt").write_text(f"{menu}{headline}\n\n{other}\n\n{other} It was the {n}th meeting.{footer}")
    config = PipelineConfig.from_overrides(
        {"input": str(tmp_path / "in"), "output": str(tmp_path / "out"), "workers": 1, "source_from": "path"}
    )
    run_pipeline(config, run_id="copies", progress_bar=False)
    docs = ds.dataset(tmp_path / "out" / "documents", format="parquet", partitioning="hive").to_table().to_pylist()
    titles = {Path(d["source_uri"]).name: d["title"] for d in docs}
    assert titles["pier-bom.txt"] == "North pier to close for winter repairs"  # the copy published: the others are duplicates
    assert "pier.txt" not in titles and "pier-crlf.txt" not in titles
    assert titles["other-0.txt"] == "Ferry timetable changes next week"


def test_a_headline_in_the_template_is_still_the_pages_title():
    from textlake.segment import segment_page
    from textlake.template import Template

    headline = "North pier to close for winter repairs"
    body = (
        "The harbour authority confirmed on Monday that the north pier will close for winter repairs until March, "
        "and that ferries will use the southern berth in the meantime.\n\nEngineers found corrosion in the pier's "
        "steel piles during an inspection, the authority said, and the repairs cannot wait for the summer season."
    )
    template = Template(frozenset({key_hash(line_key(headline)), key_hash(line_key("Harbor Post"))}))
    seg = segment_page(f"Harbor Post\n\n{headline}\n\n{body}", template)
    assert seg.title == headline
    assert "Harbor Post" not in seg.paragraphs

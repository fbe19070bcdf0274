"""The product's own demo corpus (include/demo_corpus) comes out as its README says.

Every expected value below is copied from the "Documents and expected values" table of
include/demo_corpus/README.md (title, date, authored / replies / no-author comment counts);
``test_expectations_match_the_readme_table`` keeps the two in step.  Pages are decoded and
their source templates learned the way the pipeline does it: decode_bytes, then one
SourceProfile per source folder over all of its documents, ``template(min_docs=3)``.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from functools import cache, lru_cache
from pathlib import Path

import pytest

from textlake.decode import decode_bytes
from textlake.segment import PageSegments, segment_page
from textlake.template import SourceProfile

DEMO = Path(__file__).resolve().parents[2] / "include" / "demo_corpus"

# file, expected title, expected date, authored comments, replies, comments without author
EXPECTED = [
    ("harbor-ledger/2026-03-04-port-strike.txt", "Dockworkers walk out at Pier 9 as contract talks stall", "2026-03-04", 6, 3, 1),
    (
        "harbor-ledger/2026-02-27-dredging-contract.txt",
        "Council approves $62 million dredging contract for the inner channel",
        "2026-02-27",
        0,
        0,
        0,
    ),
    (
        "harbor-ledger/2026-03-12-gull-point-lighthouse.txt.gz",
        "The last keeper of Gull Point light hands over the keys",
        "2026-03-12",
        5,
        3,
        1,
    ),
    (
        "harbor-ledger/2026-03-18-fish-market-cafe.txt",
        "Fish market café owners fear rent hike as lease talks drag on",
        "2026-03-18",
        3,
        1,
        1,
    ),
    (
        "valley-tribune/2026-01-20-school-board-four-day-week.txt",
        "School board weighs four-day week to close $3.8 million gap",
        "2026-01-20",
        6,
        3,
        1,
    ),
    (
        "valley-tribune/2026-02-03-mill-street-bridge.txt",
        "Mill Street bridge won’t reopen before June, county says",
        "2026-02-03",
        4,
        2,
        1,
    ),
    ("valley-tribune/late-frost-apricots.txt", "Late frost threatens the valley's early apricot crop", None, 4, 2, 1),
    (
        "valley-tribune/mirror/copy-of-late-frost-apricots.txt",
        "Late frost threatens the valley's early apricot crop",
        None,
        4,
        2,
        1,
    ),
    (
        "valley-tribune/2026-03-01-maternity-wing.txt",
        "Regional hospital opens new maternity wing after two-year delay",
        "2026-03-01",
        3,
        1,
        0,
    ),
    (
        "northern-field-notes/2026-02-08-owl-survey.txt",
        "Counting owls in the dark: notes from the February survey",
        "2026-02-08",
        5,
        2,
        1,
    ),
    (
        "northern-field-notes/2026-03-02-ice-out-watch.txt",
        "Ice-out watch on Loon Bay, and the bet I will probably lose",
        "2026-03-02",
        4,
        2,
        1,
    ),
    (
        "northern-field-notes/2026-03-15-moorwanderung-gastbeitrag.txt",
        "Gastbeitrag: Moorwanderung im Hochmoor bei Tannenried",
        "2026-03-15",
        3,
        1,
        1,
    ),
    ("al-manara/2026-03-04-desalination-plant.txt", "افتتاح محطة جديدة لتحلية المياه في ميناء الرمال", "2026-03-04", 4, 2, 1),
    ("al-manara/2026-02-12-vegetable-prices.txt", "ارتفاع أسعار الخضار في الأسواق مع اقتراب شهر رمضان", "2026-02-12", 0, 0, 0),
    ("al-manara/2026-02-17-public-library.txt", "مكتبة عامة جديدة في عين الصفا تفتح أبوابها للأطفال", "2026-02-17", 3, 1, 1),
]


def _source(rel: str) -> str:
    return rel.split("/", 1)[0]


@lru_cache(maxsize=1)
def _decoded() -> dict[str, str]:
    if not DEMO.is_dir():
        pytest.skip(f"demo corpus not available at {DEMO}")
    files = sorted(
        p
        for p in DEMO.rglob("*")
        if p.is_file() and p.name.endswith((".txt", ".txt.gz")) and "_broken" not in p.relative_to(DEMO).parts
    )
    return {p.relative_to(DEMO).as_posix(): decode_bytes(p.read_bytes(), p.name, 10**8).text for p in files}


@lru_cache(maxsize=1)
def _templates() -> dict[str, frozenset[str]]:
    profiles: dict[str, SourceProfile] = defaultdict(SourceProfile)
    for rel, text in _decoded().items():
        profiles[_source(rel)].observe(text)
    return {source: profile.template(min_docs=3) for source, profile in profiles.items()}


@cache
def segmented(rel: str) -> PageSegments:
    return segment_page(_decoded()[rel], _templates()[_source(rel)])


def test_every_article_file_is_covered():
    assert sorted(_decoded()) == sorted(row[0] for row in EXPECTED)


def test_expectations_match_the_readme_table():
    table = {}
    for line in (DEMO / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 12 and cells[0].isdigit():
            expected_date = None if "no date" in cells[7] else cells[7]
            table[cells[1].strip("`")] = (cells[5], expected_date, int(cells[8]), int(cells[9]), int(cells[10]))
    assert table == {row[0]: row[1:] for row in EXPECTED}


@pytest.mark.parametrize("rel, title, date, authored, replies, no_author", EXPECTED, ids=[r[0] for r in EXPECTED])
def test_demo_file(rel, title, date, authored, replies, no_author):
    seg = segmented(rel)
    assert seg.title == title
    assert seg.published_date == (datetime.date.fromisoformat(date) if date else None)
    assert len(seg.comments) == authored + no_author
    assert sum(c.author is not None for c in seg.comments) == authored
    assert sum(c.depth > 0 for c in seg.comments) == replies
    assert all(c.author is not None for c in seg.comments if c.depth > 0)

    body = "\n".join(seg.paragraphs)
    assert seg.paragraphs, "the article body is empty"
    for comment in seg.comments:
        for block in re.split(r"\n\s*\n", comment.text):
            assert block.strip() not in body, f"comment text in the body: {block[:60]!r}"
    assert title not in seg.paragraphs

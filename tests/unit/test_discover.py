import hashlib
import os

from textlake.discover import InputFile, cut_shards, list_inputs, pattern_regex, plan_run
from textlake.enrich import doc_id_for
from textlake.schema import DUPLICATE, PUBLISHED, REJECTED

PATTERNS = ("**/*.txt", "**/*.txt.gz")


def test_patterns_span_folders_only_with_double_star():
    matcher = pattern_regex(PATTERNS)
    assert matcher.match("a.txt") and matcher.match("x/y/a.txt") and matcher.match("x/a.txt.gz")
    assert not matcher.match("a.txt.bak") and not matcher.match("a.json")
    assert not pattern_regex(["*.txt"]).match("x/a.txt")


def test_listing_is_recursive_sorted_and_never_follows_links(tmp_path):
    root = tmp_path / "in"
    (root / "b" / "deep" / "er").mkdir(parents=True)
    (root / "a.txt").write_text("x")
    (root / "b" / "deep" / "er" / "c d é.txt").write_text("y")
    (root / "skip.json").write_text("{}")
    outside = tmp_path / "secret.txt"
    outside.write_text("outside")
    os.symlink(outside, root / "escape.txt")
    files, links = list_inputs(str(root), PATTERNS)
    assert [f.relative for f in files] == ["a.txt", "b/deep/er/c d é.txt"]
    assert len(links) == 1 and links[0].status == REJECTED and "outside the input root" in links[0].reason


def test_output_inside_input_is_not_read_back(tmp_path):
    (tmp_path / "out" / "documents").mkdir(parents=True)
    (tmp_path / "out" / "documents" / "x.txt").write_text("x")
    (tmp_path / "a.txt").write_text("a")
    files, _ = list_inputs(str(tmp_path), PATTERNS, exclude=str(tmp_path / "out"))
    assert [f.relative for f in files] == ["a.txt"]


def test_plan_settles_known_content_and_duplicates(tmp_path):
    for name, text in [("a.txt", "same"), ("b.txt", "same"), ("c.txt", "known"), ("d.txt", "seen"), ("e.txt", "new")]:
        (tmp_path / name).write_text(text)
    files, _ = list_inputs(str(tmp_path), PATTERNS)
    sha = {t: hashlib.sha256(t.encode()).hexdigest() for t in ("known", "seen")}
    known = {
        sha["known"]: (PUBLISHED, "doc-known", "/old/known.txt"),
        sha["seen"]: (PUBLISHED, "doc-seen", str(tmp_path / "d.txt")),
    }
    seen = {(str(tmp_path / "d.txt"), sha["seen"])}
    plan = plan_run(files, lambda hashes: (known, seen), shard_target_bytes=10**6, max_shards=4, max_file_bytes=10**6)
    assert [f.relative for shard in plan.shards for f in shard] == ["a.txt", "e.txt"]
    by_uri = {e.source_uri.rsplit("/", 1)[-1]: e for e in plan.accounted}
    assert by_uri["b.txt"].status == DUPLICATE and "a.txt in this run" in by_uri["b.txt"].reason
    assert by_uri["b.txt"].doc_id == doc_id_for(hashlib.sha256(b"same").hexdigest())
    assert by_uri["c.txt"].status == DUPLICATE and by_uri["c.txt"].doc_id == "doc-known"
    assert "d.txt" not in by_uri and plan.skipped_known == 1


def test_oversized_files_are_rejected_not_read(tmp_path):
    (tmp_path / "big.txt").write_text("x" * 2000)
    files, _ = list_inputs(str(tmp_path), PATTERNS)
    plan = plan_run(files, lambda hashes: ({}, set()), 10**6, 4, max_file_bytes=1000)
    assert plan.shards == [] and plan.accounted[0].status == REJECTED and "exceeds max_file_mb" in plan.accounted[0].reason


def test_shards_balance_bytes_and_respect_the_cap():
    files = [InputFile(uri=str(i), relative=str(i), size=10) for i in range(100)]
    shards = cut_shards(files, target_bytes=100, max_shards=4)
    assert len(shards) == 4 and sum(len(s) for s in shards) == 100
    assert len(cut_shards(files, target_bytes=100, max_shards=50)) == 10


def test_parallel_hashing_keeps_listing_order_and_records_unreadable_files(tmp_path):
    for n in range(60):
        # every tenth file repeats an earlier one's content, and one spans several read blocks
        text = f"page {n - n % 10}" if n % 10 == 9 else ("x" * (3 << 20) if n == 31 else f"page {n}")
        (tmp_path / f"f{n:02d}.txt").write_text(text)
    files, _ = list_inputs(str(tmp_path), PATTERNS)
    for gone in ("f07.txt", "f42.txt"):  # vanished between listing and hashing
        (tmp_path / gone).unlink()
    plan = plan_run(files, lambda hashes: ({}, set()), shard_target_bytes=10**9, max_shards=1, max_file_bytes=10**9, threads=8)
    fresh = [f for shard in plan.shards for f in shard]
    expected = [f for f in files if f.relative not in ("f07.txt", "f42.txt") and not f.relative.endswith("9.txt")]
    assert [f.relative for f in fresh] == [f.relative for f in expected]
    assert all(f.content_sha256 == hashlib.sha256((tmp_path / f.relative).read_bytes()).hexdigest() for f in fresh)
    rejected = [e for e in plan.accounted if e.status == REJECTED]
    assert [e.source_uri.rsplit("/", 1)[-1] for e in rejected] == ["f07.txt", "f42.txt"]
    assert all(e.reason.startswith("unreadable: FileNotFoundError: ") and e.content_sha256 is None for e in rejected)
    duplicates = [e for e in plan.accounted if e.status == DUPLICATE]
    assert [(e.source_uri.rsplit("/", 1)[-1], e.reason.rsplit("/", 1)[-1]) for e in duplicates] == [
        (f"f{n}9.txt", f"f{n}0.txt in this run") for n in range(6)
    ]


def test_files_still_being_written_wait():
    from textlake.discover import settled

    now = 1_000_000.0
    files = [
        InputFile("/in/a.txt", "a.txt", 10, modified=now - 120),
        InputFile("/in/b.txt", "b.txt", 10, modified=now - 5),  # copied a moment ago
        InputFile("/in/c.txt.part", "c.txt.part", 10, modified=now - 120),
        InputFile("/in/x/.d.txt", "x/.d.txt", 10, modified=now - 120),
        InputFile("/in/e.txt._COPYING_", "e.txt._COPYING_", 10, modified=now - 120),
        InputFile("/in/f.txt.crdownload", "f.txt.crdownload", 10, modified=now - 120),
    ]
    ready, waiting = settled(files, 60, now)
    assert [f.relative for f in ready] == ["a.txt"]
    assert [f.relative for f in waiting] == ["b.txt", "c.txt.part", "x/.d.txt", "e.txt._COPYING_", "f.txt.crdownload"]
    assert [f.relative for f in settled(files, 0, now)[0]] == ["a.txt", "b.txt"]  # no settling time: only names wait


def test_listing_reports_modification_times(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    os.utime(tmp_path / "a.txt", (1_700_000_000, 1_700_000_000))
    files, _ = list_inputs(str(tmp_path), PATTERNS)
    assert files[0].modified == 1_700_000_000

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from textlake.dedup import BANDS, NUM_PERM, ROWS, SCHEME, THRESHOLD, assign_clusters, signature

STORY = " ".join(f"The council met on day {i} and voted on the harbour budget for the coming year." for i in range(30))


def test_near_copies_share_a_cluster_and_others_do_not(tmp_path):
    edited = STORY.replace("day 3 ", "day three ") + " Updated at noon."
    other = " ".join(f"Farmers in the valley expect apricot prices to rise by {i} percent after the frost." for i in range(30))
    clusters = assign_clusters(tmp_path, "r1", {"a": signature(STORY), "b": signature(edited), "c": signature(other)})
    assert clusters == {"a": "a", "b": "a", "c": "c"}


def test_clusters_are_stable_across_runs_and_retries(tmp_path):
    assert assign_clusters(tmp_path, "r1", {"m": signature(STORY)}) == {"m": "m"}
    # a later run: its copy joins the earlier cluster even though its own id sorts first
    assert assign_clusters(tmp_path, "r2", {"a": signature(STORY + " Correction appended.")}) == {"a": "m"}
    assert assign_clusters(tmp_path, "r2", {"a": signature(STORY + " Correction appended.")}) == {"a": "m"}  # a retried publish
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r1.parquet", "r2.parquet"]


def test_banding_matches_datasketch_lsh(tmp_path):
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    assert (lsh.b, lsh.r) == (BANDS, ROWS)
    # Stories edited a little more at every step: some pairs are candidates, some not.
    rng = np.random.default_rng(7)
    words = [f"w{n}" for n in rng.integers(0, 5000, 400)]
    bodies = {}
    for n in range(40):
        edited = list(words)
        for i in rng.integers(0, len(edited), n * 3):
            edited[i] = f"x{rng.integers(1_000_000)}"
        bodies[f"d{n:02d}"] = " ".join(edited)
    signatures = {d: signature(b) for d, b in bodies.items()}
    first = dict(list(signatures.items())[::2])
    second = {d: s for d, s in signatures.items() if d not in first}
    ours = {**assign_clusters(tmp_path, "r1", first), **assign_clusters(tmp_path, "r2", second)}
    # The same rule over datasketch's own index.
    reference: dict[str, str] = {}
    for batch in (first, second):
        for doc_id in sorted(batch):
            minhash = LeanMinHash(seed=1, hashvalues=np.frombuffer(batch[doc_id], dtype=np.uint32), scheme=SCHEME)
            neighbours = [reference[c] for c in lsh.query(minhash)]
            reference[doc_id] = min(neighbours) if neighbours else doc_id
            lsh.insert(doc_id, minhash)
    assert ours == reference
    assert 1 < len(set(ours.values())) < len(ours)  # both joins and new clusters were exercised


def test_signature_is_datasketchs_minhash_of_the_shingle_set():
    import re
    import zlib

    from datasketch import MinHash

    def slow(body):
        words = re.findall(r"\w+", body.lower())
        shingles = {" ".join(words[i : i + 5]).encode() for i in range(max(1, len(words) - 4))}
        minhash = MinHash(num_perm=NUM_PERM, hashfunc=zlib.crc32, seed=1, scheme=SCHEME)
        minhash.update_batch(list(shingles))
        return minhash.hashvalues.astype(np.uint32).tobytes()

    bodies = [
        STORY,
        "",
        "...",
        "Three short words",
        "one two three four five",
        "one two three four five six",
        "The the THE the the the the the",
        "İstanbul'da ŞEHİR Straße naïve e\u0301 foo_bar 2024",
        "قال المتحدث باسم الوزارة “إن” الاجتماع سيعقد غداً",
        "北京时间 今天上午 会议 正式开幕 🎉 😀 done",
        " ".join(f"w{i % 300}" for i in range(40_000)),
    ]
    for body in bodies:
        assert signature(body) == slow(body), body[:40]
    # stored signatures depend on these values, whatever datasketch does next
    assert np.frombuffer(signature(STORY), dtype=np.uint32)[:4].tolist() == [17307943, 63580864, 13052818, 1124825]

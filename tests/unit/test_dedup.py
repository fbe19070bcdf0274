from textlake.dedup import assign_clusters, signature

STORY = " ".join(f"The council met on day {i} and voted on the harbour budget for the coming year." for i in range(30))


def test_near_copies_share_a_cluster_and_others_do_not(tmp_path):
    state = tmp_path / "near_dup.parquet"
    edited = STORY.replace("day 3 ", "day three ") + " Updated at noon."
    other = " ".join(f"Farmers in the valley expect apricot prices to rise by {i} percent after the frost." for i in range(30))
    clusters = assign_clusters(state, {"a": signature(STORY), "b": signature(edited), "c": signature(other)})
    assert clusters == {"a": "a", "b": "a", "c": "c"}


def test_clusters_are_stable_across_runs_and_retries(tmp_path):
    state = tmp_path / "near_dup.parquet"
    assert assign_clusters(state, {"m": signature(STORY)}) == {"m": "m"}
    # a later run: its copy joins the earlier cluster even though its own id sorts first
    assert assign_clusters(state, {"a": signature(STORY + " Correction appended.")}) == {"a": "m"}
    assert assign_clusters(state, {"a": signature(STORY + " Correction appended.")}) == {"a": "m"}  # a retried publish

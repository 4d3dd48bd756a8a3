"""The search worker's merge policy (forum/search/merging.py), as plain functions on segment sizes."""

from hypothesis import given, settings
from hypothesis import strategies as st

from forum.search.merging import LARGEST_MERGED, MERGE_FACTOR, level, segments_to_merge

sizes = st.lists(st.integers(min_value=0, max_value=50_000), max_size=60)


def test_levels_are_a_merge_factor_apart():
    assert [level(n) for n in (0, 1, 8, 9, 80, 81, 728, 729)] == [0, 0, 0, 1, 1, 2, 2, 3]


def test_single_updates_wait_until_a_level_is_full_then_merge_together():
    big = [20_000]
    assert segments_to_merge(big + [1] * (MERGE_FACTOR - 1)) == []
    assert segments_to_merge(big + [1] * MERGE_FACTOR) == list(range(1, MERGE_FACTOR + 1))


def test_the_smallest_full_level_merges_first_and_alone():
    mid = [50] * MERGE_FACTOR  # a full level 1
    tiny = [2] * MERGE_FACTOR  # a full level 0
    assert segments_to_merge([30_000, *mid, *tiny]) == list(range(1 + MERGE_FACTOR, 1 + 2 * MERGE_FACTOR))
    assert segments_to_merge([30_000, *mid, 2]) == list(range(1, 1 + MERGE_FACTOR))


@given(sizes)
def test_never_rewrites_a_large_segment(segment_sizes):
    assert all(segment_sizes[i] < LARGEST_MERGED for i in segments_to_merge(segment_sizes))


@given(sizes)
def test_merges_one_full_level_or_nothing(segment_sizes):
    chosen = segments_to_merge(segment_sizes)
    assert chosen == [] or (len(chosen) >= MERGE_FACTOR and len({level(segment_sizes[i]) for i in chosen}) == 1)


@settings(max_examples=40)
@given(st.integers(min_value=1, max_value=5_000), st.integers(min_value=1, max_value=3))
def test_under_steady_single_updates_segments_stay_few_and_work_stays_n_log_n(updates, docs_per_update):
    """Simulate the search worker: one small segment per update, a merge whenever the policy asks
    (Whoosh 2.7's MERGE_SMALL merged five segments a time, and past its threshold every update
    asked for a merge)."""
    segments, merges, rewritten = [20_000], 0, 0
    for _ in range(updates):
        segments.append(docs_per_update)
        while chosen := set(segments_to_merge(segments)):
            merged = sum(segments[i] for i in chosen)
            segments = [size for i, size in enumerate(segments) if i not in chosen] + [merged]
            merges += 1
            rewritten += merged
        below_largest = [size for size in segments if size < LARGEST_MERGED]
        assert len(below_largest) <= (MERGE_FACTOR - 1) * (level(LARGEST_MERGED) + 1)
    assert merges <= updates // (MERGE_FACTOR - 1) + 1
    # Each document is rewritten at most once per level it climbs.
    assert rewritten <= updates * docs_per_update * (level(LARGEST_MERGED) + 1)

"""Which index segments the search worker merges, and when (a tiered policy, as Lucene's).

Every single post's update commits one small segment and merges nothing, so that no update
waits for a merge; the worker's ``search_merge_segments`` task tidies up afterwards. Whoosh 2.7's
own ``MERGE_SMALL`` merges only the five smallest segments at a time: under steady updates the
count never fell back under the threshold, so every update queued a merge of its own (on the
load test's site the search worker spent as long merging as indexing, and searches walked 30
segments).

Here segments are grouped in levels by size, a factor of ``MERGE_FACTOR`` apart (1-8 documents,
9-80, 81-728, ...). When a level holds ``MERGE_FACTOR`` segments, they are merged into one segment
of the next level, the smallest level first. So a document is rewritten once per level it climbs
(n log n work for n updates, not n squared), at most ``MERGE_FACTOR - 1`` segments wait at each
level, and a segment of ``LARGEST_MERGED`` documents or more (the bulk of the index, from
``rebuild_index``) is never rewritten by the worker: ``optimize`` does that.

Sizes are ``doc_count_all``: the documents a segment holds on disk, deleted ones included,
since those are what a merge reads.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Segments per level, and the size ratio between levels.
MERGE_FACTOR = 9
#: Segments this large are left alone.
LARGEST_MERGED = 10_000


def level(size: int) -> int:
    """0 for 0-8 documents, 1 for 9-80, 2 for 81-728, ..."""
    found = 0
    while size >= MERGE_FACTOR:
        size //= MERGE_FACTOR
        found += 1
    return found


def segments_to_merge(sizes: Sequence[int]) -> list[int]:
    """The positions (in ``sizes``) of the segments to merge now, or ``[]`` when none need it."""
    levels: dict[int, list[int]] = {}
    for position, size in enumerate(sizes):
        if size < LARGEST_MERGED:
            levels.setdefault(level(size), []).append(position)
    for _level, positions in sorted(levels.items()):
        if len(positions) >= MERGE_FACTOR:
            return positions
    return []


def merge_policy(writer, segments):
    """A Whoosh ``mergetype``: hand the chosen segments' readers to the writer and return the
    segments that stay as they are."""
    from whoosh.reading import SegmentReader

    chosen = set(segments_to_merge([segment.doc_count_all() for segment in segments]))
    for position in sorted(chosen):
        reader = SegmentReader(writer.storage, writer.schema, segments[position])
        writer.add_reader(reader)
        reader.close()
    return [segment for position, segment in enumerate(segments) if position not in chosen]

"""Counting the questions a query matches, fast, for the results page's total.

Whoosh finds the top page of hits quickly (it skips posting blocks whose best score cannot reach
the page), but it then counts the total by walking every match again through its tree of
matchers, one Python call per document per clause: on 100,000 questions, for a query of common
words, that count was over half of a search's time. Here the total is computed from the same
posting lists as sets of document numbers (C set operations): a term is the ids of its
postings, read a block at a time; OR is a union, AND an intersection, AND NOT a difference.
Anything else (a phrase, a range) is counted by Whoosh itself, so the result is always exact.
"""

from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import And, AndNot, DefaultOr, Or, Term


def count_matches(searcher, query) -> int:
    """The number of live documents ``query`` matches: the same as ``len(searcher.search(query,
    limit=None))``, without scoring or walking them one by one."""
    total = 0
    for leaf, _offset in searcher.leaf_searchers():
        reader = leaf.reader()
        ids = _ids(leaf, reader, query)
        deleted = reader.segment().deleted_docs() if reader.has_deletions() else ()
        total += len(ids.difference(deleted)) if deleted else len(ids)
    return total


def _ids(searcher, reader, query) -> set[int]:
    # Exact types: subclasses mean something else (Ordered is an And whose words must come in
    # order, a FuzzyTerm expands to other words) and go to Whoosh's own walk below.
    kind = type(query)
    if kind is Term:
        return _term_ids(reader, query.fieldname, query.text)
    if kind is Or or kind is DefaultOr:
        found: set[int] = set()
        for sub in query.subqueries:
            found |= _ids(searcher, reader, sub)
        return found
    if kind is And:
        # Smallest first: each intersection is then at most that small.
        parts = sorted((_ids(searcher, reader, sub) for sub in query.subqueries), key=len)
        if not parts:
            return set()
        found = parts[0]
        for part in parts[1:]:
            if not found:
                break
            found = found & part
        return found
    if kind is AndNot:
        return _ids(searcher, reader, query.a) - _ids(searcher, reader, query.b)
    # Phrases, ranges, wildcards: Whoosh's own (slower) walk, still exact.
    return set(query.docs(searcher))


def _term_ids(reader, fieldname: str, text) -> set[int]:
    if fieldname not in reader.schema or (fieldname, text) not in reader:
        return set()
    matcher = reader.postings(fieldname, text)
    if isinstance(matcher, FilterMatcher):  # deleted documents are taken out by the caller
        matcher = matcher.child
    ids: set[int] = set()
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):
        # Whoosh 3's block matcher: a block's ids at once instead of one id per call.
        while matcher.is_active():
            matcher._read_ids()
            ids.update(matcher._ids)
            matcher._next_block()
        return ids
    ids.update(matcher.all_ids())
    return ids

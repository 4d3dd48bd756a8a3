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
from whoosh.query import And, AndMaybe, AndNot, DefaultOr, Not, Or, Phrase, Term


def count_matches(searcher, query) -> int:
    """The number of live documents ``query`` matches: the same as ``len(searcher.search(query,
    limit=None))``, without scoring or walking them one by one."""
    return len(matching_docnums(searcher, query))


def matching_docnums(searcher, query) -> list[int]:
    """The (top-level) numbers of the live documents ``query`` matches, in order."""
    found: list[int] = []
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        ids = _ids(leaf, reader, query)
        if reader.has_deletions():
            ids = ids.difference(reader.segment().deleted_docs())
        found += sorted(docnum + offset for docnum in ids)
    return found


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
        # Smallest first: each intersection is then at most that small. A long posting list
        # after a short one is probed for the few ids left (skipping whole blocks) instead of
        # being read in full: intersecting a rare word with common ones reads a few blocks.
        # "AND NOT x" is parsed as a Not among the parts: subtracted at the end.
        excluded = [sub.query for sub in query.subqueries if type(sub) is Not]
        subs = sorted((sub for sub in query.subqueries if type(sub) is not Not), key=lambda s: s.estimate_size(reader))
        if not subs:
            return set(query.docs(searcher))
        found = _ids(searcher, reader, subs[0])
        for sub in subs[1:]:
            if not found:
                break
            if type(sub) is Term and len(found) * PROBE_FACTOR < sub.estimate_size(reader):
                found = _probe(reader, sub.fieldname, sub.text, found)
            else:
                found = found & _ids(searcher, reader, sub)
        for sub in excluded:
            if not found:
                break
            found = found - _ids(searcher, reader, sub)
        return found
    if kind is AndMaybe:  # the optional part adds to scores, never to matches
        return _ids(searcher, reader, query.a)
    if kind is AndNot:
        return _ids(searcher, reader, query.a) - _ids(searcher, reader, query.b)
    if kind is Phrase and query.words:
        # The documents holding every word (sets, as above), then the phrase's own matcher
        # only on those: Whoosh's walk would check positions in every document of the
        # intersection one call at a time, and a hyphenated word ("cardano-cli") is a phrase.
        holding = _ids(searcher, reader, And([Term(query.fieldname, word) for word in query.words]))
        return _probe_matcher(query.matcher(searcher), holding) if holding else set()
    # Ranges, wildcards: Whoosh's own (slower) walk, still exact.
    return set(query.docs(searcher))


# Probing an id costs about as much as reading this many postings in a block.
PROBE_FACTOR = 16


def _probe(reader, fieldname: str, text, ids: set[int]) -> set[int]:
    """Those of ``ids`` whose documents hold the term, by skipping along its posting list."""
    if fieldname not in reader.schema or (fieldname, text) not in reader:
        return set()
    matcher = reader.postings(fieldname, text)
    if isinstance(matcher, FilterMatcher):  # deleted documents are taken out by the caller
        matcher = matcher.child
    return _probe_matcher(matcher, ids)


def _probe_matcher(matcher, ids: set[int]) -> set[int]:
    return set(walk_to(matcher, sorted(ids)))


def walk_to(matcher, docnums):
    """Yield each of ``docnums`` (ascending) the matcher matches, with the matcher left on it
    (so the caller can ask its ``score()``), skipping along the posting list in between."""
    for docnum in docnums:
        if not matcher.is_active():
            return
        if matcher.id() < docnum:
            matcher.skip_to(docnum)
            if not matcher.is_active():
                return
        if matcher.id() == docnum:
            yield docnum


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

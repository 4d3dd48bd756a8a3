"""Counting the questions a query matches, fast, for the results page's total.

Whoosh finds the top page of hits quickly (it skips posting blocks whose best score cannot reach
the page), but it then counts the total by walking every match again through its tree of
matchers, one Python call per document per clause: on 100,000 questions, for a query of common
words, that count was over half of a search's time. Here the total is computed from the same
posting lists as sets of document numbers (C set operations): a term is the ids of its
postings, read a block at a time; OR is a union, AND an intersection, AND NOT a difference.
Anything else (a phrase, a range) is counted by Whoosh itself, so the result is always exact.

An exact total still reads every posting list in full: for a query whose words are all common
(each in 20,000-35,000 of 100,000 questions) that was most of the search page's time. So when
the exact count would read more than a budget of postings (``count_cost``), ``estimate_matches``
counts the matches in a window of document numbers instead, chosen by the rarest word every
match holds, and scales up by that word's share (a ratio estimate, so a word that only appears
in later questions is still estimated right).
"""

import itertools
import math
from bisect import bisect_left

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher, WrappingMatcher
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


def _ids(searcher, reader, query, below: int | None = None) -> set[int]:
    """The segment's document numbers (deleted ones too) that ``query`` matches; with ``below``,
    only those under it (every posting list is then read only up to there)."""
    # Exact types: subclasses mean something else (Ordered is an And whose words must come in
    # order, a FuzzyTerm expands to other words) and go to Whoosh's own walk below.
    kind = type(query)
    if kind is Term:
        return _term_ids(reader, query.fieldname, query.text, below)
    if kind is Or or kind is DefaultOr:
        found: set[int] = set()
        for sub in query.subqueries:
            found |= _ids(searcher, reader, sub, below)
        return found
    if kind is And:
        # Smallest first: each intersection is then at most that small. A long posting list
        # after a short one is probed for the few ids left (skipping whole blocks) instead of
        # being read in full: intersecting a rare word with common ones reads a few blocks.
        # "AND NOT x" is parsed as a Not among the parts: subtracted at the end.
        excluded = [sub.query for sub in query.subqueries if type(sub) is Not]
        subs = sorted((sub for sub in query.subqueries if type(sub) is not Not), key=lambda s: s.estimate_size(reader))
        if not subs:
            return _walked(searcher, query, below)
        found = _ids(searcher, reader, subs[0], below)
        for sub in subs[1:]:
            if not found:
                break
            if type(sub) is Term and len(found) * PROBE_FACTOR < sub.estimate_size(reader):
                found = _probe(reader, sub.fieldname, sub.text, found)
            else:
                found = found & _ids(searcher, reader, sub, below)
        for sub in excluded:
            if not found:
                break
            found = found - _ids(searcher, reader, sub, below)
        return found
    if kind is AndMaybe:  # the optional part adds to scores, never to matches
        return _ids(searcher, reader, query.a, below)
    if kind is AndNot:
        return _ids(searcher, reader, query.a, below) - _ids(searcher, reader, query.b, below)
    if kind is Phrase and query.words:
        # The documents holding every word (sets, as above), then the phrase's own matcher
        # only on those: Whoosh's walk would check positions in every document of the
        # intersection one call at a time, and a hyphenated word ("cardano-cli") is a phrase.
        holding = _ids(searcher, reader, And([Term(query.fieldname, word) for word in query.words]), below)
        return _probe_matcher(query.matcher(searcher), holding) if holding else set()
    # Ranges, wildcards: Whoosh's own (slower) walk, still exact.
    return _walked(searcher, query, below)


def _walked(searcher, query, below: int | None) -> set[int]:
    if below is None:
        return set(query.docs(searcher))
    return set(itertools.takewhile(lambda docnum: docnum < below, query.docs(searcher)))


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
    leaf = _block_leaf(matcher)
    if leaf is not None:
        yield from _walk_blocks(leaf, docnums)
        return
    for docnum in docnums:
        if not matcher.is_active():
            return
        if matcher.id() < docnum:
            matcher.skip_to(docnum)
            if not matcher.is_active():
                return
        if matcher.id() == docnum:
            yield docnum


def _block_leaf(matcher):
    """Whoosh 3's block matcher under ``matcher`` when nothing between them moves on its own: a
    boost (``WrappingMatcher``) or the filter of deleted documents, which the caller's documents
    never are (they come from a search). None otherwise (a phrase, an inlined short list)."""
    while type(matcher) in (WrappingMatcher, FilterMatcher):
        matcher = matcher.child
    return matcher if type(matcher) is W3LeafMatcher else None


def _walk_blocks(leaf, docnums):
    """``walk_to`` on a block matcher: whole blocks skipped by their last id, and the document
    found in a block by bisection. Whoosh's ``skip_to`` steps through a block one posting (three
    Python calls) at a time: for "similar questions", scoring 50 candidates against 30-odd
    posting lists, that stepping was most of the work."""
    for docnum in docnums:
        if not leaf.is_active():
            return
        while leaf._maxid < docnum:  # the block ends before it: the next block
            leaf._next_block()
            if not leaf.is_active():
                return
        if leaf._ids is None:
            leaf._read_ids()
        position = bisect_left(leaf._ids, docnum, leaf._i)
        leaf._i = position  # the block's last id is >= docnum: still inside the block
        if leaf._ids[position] == docnum:
            yield docnum


def _term_ids(reader, fieldname: str, text, below: int | None = None) -> set[int]:
    ids: set[int] = set()
    for block in _blocks(reader, fieldname, text):
        if below is not None and block[-1] >= below:
            ids.update(itertools.takewhile(lambda docnum: docnum < below, block))
            break
        ids.update(block)
    return ids


def _blocks(reader, fieldname: str, text):
    """The term's posting ids (deleted documents' too: the caller takes them out), a block at a
    time, ascending."""
    if fieldname not in reader.schema or (fieldname, text) not in reader:
        return
    matcher = reader.postings(fieldname, text)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):
        # Whoosh 3's block matcher: a block's ids at once instead of one id per call.
        while matcher.is_active():
            matcher._read_ids()
            yield matcher._ids
            matcher._next_block()
        return
    yield tuple(matcher.all_ids())


# --- estimating ------------------------------------------------------------------------------


def count_cost(searcher, query) -> int:
    """About how many postings ``count_matches`` would read (doc frequencies, read from the
    term index: no posting list is opened)."""
    return sum(_cost(leaf.reader(), query) for leaf, _offset in searcher.leaf_searchers())


def _cost(reader, query) -> int:
    # The same walk as ``_ids``, with sizes instead of sets.
    kind = type(query)
    if kind is Term:
        return query.estimate_size(reader)
    if kind is Or or kind is DefaultOr:
        return sum(_cost(reader, sub) for sub in query.subqueries)
    if kind is And:
        subs = sorted(
            ((sub.estimate_size(reader), sub) for sub in query.subqueries if type(sub) is not Not),
            key=lambda item: item[0],
        )
        if not subs:
            return query.estimate_size(reader)
        bound, cost = subs[0][0], _cost(reader, subs[0][1])
        for size, sub in subs[1:]:
            cost += min(bound * PROBE_FACTOR, size) if type(sub) is Term else _cost(reader, sub)
            bound = min(bound, size)
        return cost + sum(_cost(reader, sub.query) for sub in query.subqueries if type(sub) is Not)
    if kind is AndMaybe:
        return _cost(reader, query.a)
    if kind is AndNot:
        return _cost(reader, query.a) + _cost(reader, query.b)
    if kind is Phrase and query.words:
        return _cost(reader, And([Term(query.fieldname, word) for word in query.words]))
    return query.estimate_size(reader)


def _driver(reader, query) -> Term | None:
    """The rarest term every match of ``query`` holds (None when there is none, as in an OR)."""
    kind = type(query)
    if kind is Term:
        return query
    if kind is And or (kind is Phrase and query.words):
        subs = query.subqueries if kind is And else [Term(query.fieldname, word) for word in query.words]
        drivers = [found for sub in subs if type(sub) is not Not and (found := _driver(reader, sub)) is not None]
        return min(drivers, key=lambda term: term.estimate_size(reader), default=None)
    if kind is AndMaybe or kind is AndNot:
        return _driver(reader, query.a)
    if (kind is Or or kind is DefaultOr) and len(query.subqueries) == 1:
        return _driver(reader, query.subqueries[0])
    return None


def estimate_matches(searcher, query, budget: int) -> tuple[int, bool]:
    """(about how many live documents ``query`` matches, whether that is exact), reading about
    ``budget`` postings per segment: the matches among the documents up to the one holding the
    rarest required word's k-th posting, scaled up by that word's document frequency over k
    (k as the budget allows). A segment whose exact count fits the budget is counted exactly."""
    total, exact = 0.0, True
    for leaf, _offset in searcher.leaf_searchers():
        reader = leaf.reader()
        cost = _cost(reader, query)
        deleted = reader.segment().deleted_docs() if reader.has_deletions() else ()
        if cost <= budget:
            total += len(_ids(leaf, reader, query).difference(deleted))
            continue
        exact = False
        share = budget / cost
        driver = _driver(reader, query)
        if driver is not None:
            frequency = driver.estimate_size(reader)
            below, seen = _kth_posting(reader, driver, max(1, math.ceil(share * frequency)))
            found = _ids(leaf, reader, query, below).difference(deleted)
            total += len(found) * frequency / seen if seen else 0
        else:  # no word every match holds: the same share of the segment's documents
            below = max(1, math.ceil(share * reader.doc_count_all()))
            found = _ids(leaf, reader, query, below).difference(deleted)
            total += len(found) * reader.doc_count_all() / below
    return round(total), exact


def _kth_posting(reader, term: Term, k: int) -> tuple[int, int]:
    """(the document number just after the term's k-th posting, how many postings are under
    it): the window an estimate counts in. All of them when the term has fewer."""
    seen, last = 0, -1
    for block in _blocks(reader, term.fieldname, term.text):
        if seen + len(block) >= k:
            return block[k - seen - 1] + 1, k
        seen, last = seen + len(block), block[-1]
    return last + 1, seen

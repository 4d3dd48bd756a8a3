"""Scoring every question an OR of clauses matches, list by list instead of through Whoosh.

"Similar questions" on a large index first picks its candidates: the best few hundred-to-
thousands questions by the title's rarest clauses (``backend._search_candidates_first``).
Whoosh scores such an OR through a binary tree of union matchers, asking every node of the tree
for its current id, its score and the quality of its block at each question: at 100,000
questions that walk was three quarters of a "similar questions" query (cProfile, 225 titles).
A question's score in an OR is the sum of its clauses' scores, so each clause's posting list
is read here once, block by block, and its scores added up per question: the same scores (each
computed by the clause's own Whoosh scorer), without the tree.
"""

from collections import defaultdict

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, W3PerDocReader, _lenfield
from whoosh.columns import NumericColumn
from whoosh.matching.wrappers import FilterMatcher, WrappingMatcher
from whoosh.query import DefaultOr, Or, Term
from whoosh.scoring import WeightLengthScorer
from whoosh.util.numeric import byte_to_length


def disjunction_clauses(query) -> list | None:
    """The clauses of ``query`` when it is an OR of terms (nested ORs flattened, no boost on a
    group); None for anything else (an AND, a filter, a phrase), which Whoosh then scores."""
    kind = type(query)
    if kind is Term:
        return [query]
    if kind not in (Or, DefaultOr) or query.boost != 1.0:
        return None
    clauses = []
    for sub in query.subqueries:
        found = disjunction_clauses(sub)
        if found is None:
            return None
        clauses += found
    return clauses


def disjunction_scores(searcher, clauses: list) -> dict[int, float]:
    """{top-level docnum: score} of every live question one of ``clauses`` (terms) matches, its
    score the sum of its clauses' scores, as Whoosh's ``Or`` scores it."""
    scores: dict[int, float] = defaultdict(float)
    context = searcher.context()
    for leaf, offset in searcher.leaf_searchers():
        lengths: dict[str, object] = {}
        for clause in clauses:
            if clause.fieldname not in lengths:
                lengths[clause.fieldname] = _field_lengths(leaf.reader(), clause.fieldname)
            matcher = clause.matcher(leaf, context)
            for docnum, score in _postings_scores(matcher, lengths[clause.fieldname]):
                scores[docnum + offset] += score
    return scores


# Field lengths are stored one byte per document (Whoosh's lossy length code).
_LENGTH_OF_BYTE = [None] + [byte_to_length(code) for code in range(1, 256)]


def _field_lengths(reader, fieldname: str):
    """A function giving a document's length in ``fieldname`` as Whoosh's scorers read it
    (``doc_field_length(docnum, fieldname, 1)``), from the segment's length column read once:
    Whoosh's own goes through five calls and a struct unpack per posting. None when the reader
    is not a plain Whoosh 3 segment (the scorer's own function is used then)."""
    perdoc = getattr(reader, "_perdoc", None)
    if not isinstance(perdoc, W3PerDocReader):
        return None
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:
        return lambda docnum: 1
    if type(column) is not NumericColumn.Reader or column._fixedlen != 1:
        return None
    codes, table = column._dbfile.get(column._basepos, column._count), _LENGTH_OF_BYTE
    count = len(codes)
    return lambda docnum: table[codes[docnum]] if docnum < count else None


def _postings_scores(matcher, field_lengths=None):
    """(docnum, score) of each posting of a term's matcher, as ``matcher.score()`` gives them."""
    boosts, excluded, included = [], None, None
    leaf = matcher
    while type(leaf) in (WrappingMatcher, FilterMatcher):
        boosts.append(leaf.boost)  # each wrapper's score() is its child's times its boost
        if type(leaf) is FilterMatcher:
            if leaf._exclude:
                excluded = leaf._ids  # deleted documents
            else:
                included = leaf._ids
        leaf = leaf.child
    boosts.reverse()  # applied from the innermost wrapper out, as the calls nest
    scorer = getattr(leaf, "scorer", None)
    exact_scorer = isinstance(scorer, WeightLengthScorer) and type(scorer).score is WeightLengthScorer.score
    if type(leaf) is not W3LeafMatcher or not exact_scorer or leaf._byteids:
        while matcher.is_active():  # an inlined short list, another scorer: one posting at a time
            yield matcher.id(), matcher.score()
            matcher.next()
        return
    score, length = scorer._score, field_lengths or scorer.dfl
    while leaf.is_active():
        if leaf._ids is None:
            leaf._read_ids()
        if leaf._weights is None:
            leaf._read_weights()
        for docnum, weight in zip(leaf._ids, leaf._weights, strict=True):
            if (excluded is not None and docnum in excluded) or (included is not None and docnum not in included):
                continue
            value = score(weight, length(docnum))
            for boost in boosts:
                value = value * boost
            yield docnum, value
        leaf._next_block()

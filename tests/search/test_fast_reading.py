"""The shortcuts in reading Whoosh's posting lists must read exactly what Whoosh reads.

``postings`` cuts a block's ids and weights out of its pickle; ``counting.walk_to`` skips along
a block by bisection; ``scoring.disjunction_scores`` scores an OR list by list. Each is checked
here against Whoosh's own reading on an index with full blocks, one-posting blocks (small
segments) and a deleted document.
"""

import pickle
import random
import zlib

import pytest
from haystack import connections
from whoosh.codec.whoosh3 import W3LeafMatcher

from forum.search import postings
from forum.search.counting import walk_to
from forum.search.evaluation import throwaway_index
from forum.search.scoring import disjunction_clauses, disjunction_scores
from tests.search.test_speed_paths import TITLES, _document

FIELDS = ("text", "title", "title_bigrams", "tags", "status", "product_id")


@pytest.fixture(scope="module")
def index():
    rng = random.Random(5)
    documents = []
    for number in range(1, 401):
        title = rng.choice(TITLES)
        # Repeated words: weights other than 1.0, and positions lists of several entries.
        body = " ".join(rng.choice(TITLES) for _ in range(rng.randint(1, 4)))
        documents.append(_document(number, title, body=body))
    with throwaway_index() as alias:
        backend = connections[alias].get_backend()
        backend.setup()
        backend.add_documents(documents[:390])
        for document in documents[390:]:  # one-document segments: blocks of one posting
            backend.add_documents([document], update=True)
        backend.remove("forum.post.5")
        yield backend


def _leaf_matchers(backend):
    searcher = backend._current_searcher()
    for leaf, _offset in searcher.leaf_searchers():
        reader = leaf.reader()
        for field in FIELDS:
            if field not in reader.schema:
                continue
            for term in reader.lexicon(field):
                matcher = reader.postings(field, term)
                while not isinstance(matcher, W3LeafMatcher) and hasattr(matcher, "child"):
                    matcher = matcher.child
                if isinstance(matcher, W3LeafMatcher):
                    yield field, term, matcher


def test_ids_and_weights_are_the_pickles_own(index):
    checked = cut = 0
    for field, term, matcher in _leaf_matchers(index):
        while matcher.is_active():
            raw = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
            whole = pickle.loads(zlib.decompress(raw) if matcher._compression else raw)
            found = postings.ids_and_weights(raw, bool(matcher._compression))
            checked += 1
            if found is not None:
                cut += 1
                assert found == (whole[0], whole[1]), (field, term)
            matcher._next_block()
    assert checked > 300 and cut == checked  # every block of this index is laid out as expected


def test_matchers_read_the_same_ids_weights_and_positions(index, monkeypatch):
    def read(patched: bool):
        monkeypatch.setattr(W3LeafMatcher, "_read_ids", postings._read_ids if patched else postings._whoosh_read_ids)
        monkeypatch.setattr(
            W3LeafMatcher, "_read_weights", postings._read_weights if patched else postings._whoosh_read_weights
        )
        found = []
        for field, term, matcher in _leaf_matchers(index):
            while matcher.is_active():
                found.append((field, term, matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
        return found

    assert read(patched=True) == read(patched=False)


def test_walk_to_finds_what_stepping_through_every_posting_finds(index):
    rng = random.Random(9)
    walked = 0
    for field, term, matcher in _leaf_matchers(index):
        if field != "text":
            continue
        # The bare block matcher (the filter of deleted documents would move it on first).
        where = (matcher._postfile, matcher._startoffset, matcher._length, matcher.format)
        wanted = sorted(rng.sample(range(400), 60))
        fast, leaf = [], W3LeafMatcher(*where, term=term)
        for docnum in walk_to(leaf, wanted):
            fast.append((docnum, leaf.weight()))
        slow, leaf = [], W3LeafMatcher(*where, term=term)
        while leaf.is_active():
            if leaf.id() in wanted:
                slow.append((leaf.id(), leaf.weight()))
            leaf.next()
        assert fast == slow, term
        walked += len(fast)
    assert walked > 100


QUERIES = [
    'title:("reset") OR title:("router")^2 OR title_bigrams:("路由")^0.5 OR text:("camera")',
    'text:("password") OR text:("wifi")',
    'title:("摄像头")',
]


@pytest.mark.parametrize("query_string", QUERIES)
def test_disjunction_scores_are_whooshs(index, query_string):
    searcher = index._current_searcher()
    parsed = index.parser.parse(query_string)
    clauses = disjunction_clauses(parsed)
    assert clauses
    scores = disjunction_scores(searcher, clauses)
    results = searcher.search(parsed, limit=None)
    expected = {results.docnum(i): results.score(i) for i in range(results.scored_length())}
    assert scores.keys() == expected.keys() and len(expected) > 0
    assert all(scores[docnum] == pytest.approx(score, rel=1e-12) for docnum, score in expected.items())


def test_only_ors_of_terms_are_scored_list_by_list(index):
    parse = index.parser.parse
    assert disjunction_clauses(parse('text:("reset") AND text:("router")')) is None
    assert disjunction_clauses(parse('text:("reset the router") OR text:("wifi")')) is None  # a phrase
    assert disjunction_clauses(parse('(text:("reset") OR text:("wifi"))^2')) is None

"""The shortcuts that make search fast must not change what it finds or counts.

``count_matches`` (the results page's total from sets of ids) is checked against Whoosh's own
walk; the rarest-words pruning of "similar questions" against its rules; the multiprocessing
bulk writer against an index written one document at a time.
"""

import pytest
from django.conf import settings
from django.utils import timezone
from haystack import connections
from haystack.constants import DJANGO_CT, DJANGO_ID, ID

from forum.search import query as q
from forum.search.counting import count_matches
from forum.search.documents import build_document, status_of
from forum.search.evaluation import throwaway_index
from forum.search.service import search_questions, similar_question_ids

TITLES = [
    "How do I reset the router to factory settings?",
    "Router keeps dropping the wifi connection",
    "Camera shows offline in the app",
    "路由器怎么恢复出厂设置",
    "摄像头一直显示离线",
    "Reset the camera password",
    "Wifi password forgotten, how to reset",
    "路由器的无线网络很慢",
]


def _document(number: int, title: str, body: str = "") -> dict:
    now = timezone.now()
    document = build_document(title=title, body=body or title, tags=["router"] if number % 2 else [], answers=[])
    document.update(
        {
            ID: f"forum.post.{number}",
            DJANGO_CT: "forum.post",
            DJANGO_ID: str(number),
            "status": status_of(answer_count=0, has_accepted=False, closed=False),
            "product_id": 1 + number % 2,
            "votes": number,
            "answer_count": 0,
            "created_at": now,
            "last_activity_at": now,
        }
    )
    return document


@pytest.fixture
def index():
    with throwaway_index() as alias:
        backend = connections[alias].get_backend()
        backend.setup()
        # Two commits: two segments, so the count adds up over segments.
        backend.add_documents([_document(n, title) for n, title in enumerate(TITLES[:4], start=1)])
        backend.add_documents([_document(n, title) for n, title in enumerate(TITLES[4:], start=5)])
        yield alias, backend


QUERIES = [
    'text:("reset")',
    'title:("reset")^3 OR text:("router")',
    '(title:("reset")^3 OR text:("reset")) AND (title:("router")^3 OR text:("router"))',
    'text:("reset") AND NOT text:("camera")',
    'text:("reset the router")',  # a phrase: counted by Whoosh's own walk
    '(text:("路由器")) AND product_id:2',
    'text:("nothing-matches-this")',
    # AND NOT inside an AND (a Not among its parts), and a phrase beside words
    '(title:("reset")^3 OR text:("reset")) AND text:("reset the router") AND NOT text:("camera")',
    '(text:("reset") AND text:("password")) AND NOT (text:("camera") OR text:("wifi"))',
    'text:("wifi") OR title_bigrams:("路由")^0.5 OR tags:(router)',
]


@pytest.mark.parametrize("query_string", QUERIES)
def test_count_matches_is_whooshs_own_count(index, query_string):
    _alias, backend = index
    searcher = backend._current_searcher()
    parsed = backend.parser.parse(query_string)
    assert count_matches(searcher, parsed) == len(list(searcher.docs_for_query(parsed)))


def test_count_matches_leaves_out_deleted_documents(index):
    _alias, backend = index
    backend.remove("forum.post.1")
    searcher = backend._current_searcher()
    parsed = backend.parser.parse('text:("reset")')
    assert count_matches(searcher, parsed) == len(list(searcher.docs_for_query(parsed))) == 2


def test_search_page_total_and_pages_with_the_fast_count(index):
    alias, _backend = index
    found = search_questions(text="reset", using=alias, load=False, page_size=2)
    assert found.page.paginator.count == 3 and found.page.paginator.num_pages == 2
    assert len(found.page.object_list) == 2
    last = search_questions(text="reset", using=alias, load=False, page_size=2, page=2)
    assert len(last.page.object_list) == 1
    assert {h.pk for h in found.page.object_list} | {h.pk for h in last.page.object_list} == {"1", "6", "7"}


def test_similar_questions_are_the_same_with_and_without_the_count(index):
    alias, _backend = index
    from haystack.inputs import Raw
    from haystack.query import SearchQuerySet

    from forum.models import Post

    title = "reset router password"
    # The stock path: haystack's slice, which counts every match.
    sqs = SearchQuerySet(using=alias).models(Post).filter(content=Raw(q.similar_query_string(title)))
    counted = [int(hit.pk) for hit in sqs[:3]]
    assert similar_question_ids(title=title, using=alias, limit=3) == counted and len(counted) == 3


def _frequencies(counts: dict[str, int], total: int) -> q.Frequencies:
    return q.Frequencies(document_frequency=lambda field, term: counts.get(term, 0), document_count=total)


def test_salient_keeps_the_rarest_words_in_their_order():
    frequencies = _frequencies({"wallet": 900, "ledger": 40, "nano": 5, "sync": 300}, 1000)
    assert q.salient(["wallet", "ledger", "nano", "sync"], frequencies, field="text", limit=8) == [
        "ledger",
        "nano",
        "sync",
    ]
    assert q.salient(["wallet", "ledger", "nano", "sync"], frequencies, field="text", limit=2) == ["ledger", "nano"]


def test_salient_keeps_common_words_when_nothing_rarer_is_left():
    frequencies = _frequencies({"wallet": 900, "cardano": 800, "unknownword": 0}, 1000)
    # "unknownword" is in no document: it cannot match, so it is dropped.
    assert q.salient(["wallet", "cardano", "unknownword"], frequencies, field="text", limit=8) == [
        "wallet",
        "cardano",
    ]


def test_small_indexes_are_not_pruned():
    frequencies = _frequencies({"router": 3}, 4)
    assert q.salient(["router", "reset"], frequencies, field="text", limit=8) == ["router", "reset"]
    assert q.similar_query_string("router reset", frequencies=frequencies) == q.similar_query_string("router reset")


def test_similar_query_drops_words_most_questions_have():
    counts = {"router": 700, "reset": 30, "factori": 20, "路由器": 800, "复位": 0}
    frequencies = _frequencies(counts, 1000)
    text = q.similar_query_string("router factory reset", frequencies=frequencies)
    assert 'text:("reset")' in text and 'text:("factory")' in text
    assert '"router"' not in text


def test_bulk_writer_with_two_processes_writes_what_one_writer_does():
    documents = [_document(n, title, body=f"{title} body {n}") for n, title in enumerate(TITLES * 40, start=1)]
    results = []
    for procs in (1, 2):
        with throwaway_index() as alias:
            backend = connections[alias].get_backend()
            backend.setup()
            assert backend.bulk_add(iter(documents), procs=procs, limitmb=32) == len(documents)
            backend.optimize()
            assert backend.doc_count() == len(documents)
            results.append(
                [search_questions(text=t, using=alias, load=False).page.paginator.count for t in ("reset", "路由器")]
            )
    assert results[0] == results[1] and results[0][0] > 0


def test_the_kept_searcher_follows_another_process_writing(index):
    """The web process keeps one searcher; the search worker (another process, another backend)
    commits and merges segments under it. Every search must see the new documents, never fail."""
    alias, reader_backend = index
    writer_backend = type(reader_backend)(alias, **settings.HAYSTACK_CONNECTIONS[alias])
    writer_backend.setup()
    for round_ in range(12):
        number = 100 + round_
        writer_backend.add_documents([_document(number, f"Reset question number {number}")])
        if round_ % 4 == 3:
            writer_backend.optimize()  # one segment: every file the old readers had goes
        # Three of TITLES say "reset", plus one per round.
        assert reader_backend.search('text:("reset")')["hits"] == 3 + round_ + 1


# The Whoosh-specific shortcuts of the search page and "similar questions" (forum/search/backend.py)
# must give the questions, and the scores, Whoosh's exhaustive search gives.


def _exhaustive(searcher, parsed, limit=None):
    results = searcher.search(parsed, limit=None)
    count = results.scored_length() if limit is None else min(limit, results.scored_length())
    return [(round(results.score(i), 6), results.docnum(i)) for i in range(count)]


@pytest.fixture
def larger_index():
    with throwaway_index() as alias:
        backend = connections[alias].get_backend()
        backend.setup()
        documents = [_document(n, title, body=f"{title} body {n % 7}") for n, title in enumerate(TITLES * 6, start=1)]
        backend.add_documents(documents[:30])
        backend.add_documents(documents[30:])
        backend.remove("forum.post.3")  # a deletion in the first segment
        yield alias, backend


PAGE_QUERIES = ["reset router", "reset password", "路由器 设置", "camera app offline", "reset -camera"]


@pytest.mark.parametrize("text", PAGE_QUERIES)
def test_text_covers_title_keeps_matches_and_scores(larger_index, text):
    from forum.search.backend import _text_covers_title

    _alias, backend = larger_index
    searcher = backend._current_searcher()
    parsed = backend.parser.parse(q.search_query_string(q.clean_query(text)))
    rewritten = _text_covers_title(parsed)
    assert "ANDMAYBE" in str(rewritten).upper()
    assert _exhaustive(searcher, rewritten) == _exhaustive(searcher, parsed)
    assert count_matches(searcher, rewritten) == count_matches(searcher, parsed)


@pytest.mark.parametrize("text", PAGE_QUERIES)
@pytest.mark.parametrize("score_all_limit", [0, 10_000])
def test_search_page_top_and_total_are_whooshs(larger_index, monkeypatch, text, score_all_limit):
    """Scoring every match (few matches) and Whoosh's own top-N search (many) give the page's
    hits in the exhaustive order, and the exact total."""
    from forum.search import backend as backend_module

    monkeypatch.setattr(backend_module, "SCORE_ALL_LIMIT", score_all_limit)
    _alias, backend = larger_index
    searcher = backend._current_searcher()
    query_string = q.search_query_string(q.clean_query(text))
    expected = _exhaustive(searcher, backend.parser.parse(query_string))
    found = backend.search(query_string, end_offset=5)
    assert found["hits"] == len(expected)
    assert [int(hit.pk) for hit in found["results"]] == [
        int(searcher.stored_fields(docnum)["django_id"]) for _score, docnum in expected[:5]
    ]


def test_count_probes_long_posting_lists_exactly(larger_index, monkeypatch):
    from forum.search import counting

    _alias, backend = larger_index
    searcher = backend._current_searcher()
    parsed = backend.parser.parse('text:("reset") AND text:("router") AND text:("body")')
    expected = len(list(searcher.docs_for_query(parsed)))
    monkeypatch.setattr(counting, "PROBE_FACTOR", 0)  # probe every list after the first
    assert count_matches(searcher, parsed) == expected > 0


def test_candidates_first_scores_candidates_as_the_whole_query(larger_index):
    from forum.search.backend import _search_candidates_first

    _alias, backend = larger_index
    searcher = backend._current_searcher()
    parsed = backend.parser.parse('(title:("reset") OR title:("camera")) ANDMAYBE (text:("router") OR text:("body"))')
    exhaustive = _exhaustive(searcher, parsed)
    # Enough candidates: exactly Whoosh's exhaustive top 5.
    top = _search_candidates_first(searcher, parsed, 5, 1_000)
    assert [(round(top.score(i), 6), top.docnum(i)) for i in range(top.scored_length())] == exhaustive[:5]
    # Few candidates: fewer questions looked at, each with its exact score.
    scores = {docnum: score for score, docnum in exhaustive}
    few = _search_candidates_first(searcher, parsed, 5, 3)
    assert few.scored_length() == 3
    assert all(round(few.score(i), 6) == scores[few.docnum(i)] for i in range(3))


def test_similar_query_lets_rare_title_words_choose_candidates_on_a_large_index(monkeypatch):
    counts = {"plutus": 900, "script": 700, "datum": 40, "redeem": 30, "transact": 2000}
    frequencies = _frequencies(counts, 100_000)
    text = q.similar_query_string("plutus script datum redeemer transaction", frequencies=frequencies)
    required, optional = text.split(" ANDMAYBE ")
    # The rarest title clauses choose; their text clauses and the common words only add.
    assert 'title:("datum")' in required and 'title:("redeemer")' in required
    assert 'text:("datum")' in optional and '"transaction"' in optional and "text:" not in required
    monkeypatch.setattr(q, "CANDIDATE_BUDGET", 100_000)  # every clause fits: the plain OR
    assert "ANDMAYBE" not in q.similar_query_string("plutus script datum", frequencies=frequencies)


def test_search_page_fallback_keeps_questions_with_the_rarest_words(larger_index, monkeypatch):
    alias, backend = larger_index
    monkeypatch.setattr(q, "CANDIDATE_BUDGET", 5)
    monkeypatch.setattr(q, "MIN_DOCUMENTS_FOR_PRUNING", 1)
    # No question has all three words: "any word" runs, candidates-first.
    found = search_questions(text="camera password factory", using=alias, load=False)
    assert not found.matched_all_words
    searcher = backend._current_searcher()
    rarest = min(("camera", "password", "factori"), key=lambda term: searcher.doc_frequency("text", term))
    expected = count_matches(searcher, backend.parser.parse(f'text:("{rarest}")'))
    assert found.page.paginator.count >= expected > 0

"""The search page's estimated total ("about N questions"): used only where an exact count would
read long posting lists, close to the exact count, and never at the cost of the pages: every
match is on some page, in Whoosh's order, the last page is never empty and says so."""

import random

import pytest
from django.urls import reverse
from django.utils import timezone
from haystack import connections
from haystack.constants import DJANGO_CT, DJANGO_ID, ID

from forum.search import backend as backend_module
from forum.search.counting import count_cost, count_matches, estimate_matches
from forum.search.documents import build_document, status_of
from forum.search.evaluation import throwaway_index
from forum.search.service import search_questions
from tests.factories import make_question

WORDS = ["router", "camera", "firmware", "wifi", "reset", "password", "light", "cable"]


def _document(number: int, text: str) -> dict:
    now = timezone.now()
    document = build_document(title=text, body=text, tags=[], answers=[])
    document.update(
        {
            ID: f"forum.post.{number}",
            DJANGO_CT: "forum.post",
            DJANGO_ID: str(number),
            "status": status_of(answer_count=0, has_accepted=False, closed=False),
            "product_id": 1 + number % 3,
            "votes": 0,
            "answer_count": 0,
            "created_at": now,
            "last_activity_at": now,
        }
    )
    return document


@pytest.fixture(scope="module")
def big_index():
    """1,200 questions: "router" in about 60% of them, "camera" in 40%, "firmware" in 20%;
    "camera" only in the second half (a word that came later, as words do on a real forum);
    two segments and a deletion."""
    rng = random.Random(11)
    documents = []
    for number in range(1, 1201):
        words = [w for w, share in (("router", 0.6), ("firmware", 0.2)) if rng.random() < share]
        if number > 600 and rng.random() < 0.8:
            words.append("camera")
        words += rng.sample(WORDS[3:], 2)
        documents.append(_document(number, " ".join(words)))
    with throwaway_index() as alias:
        backend = connections[alias].get_backend()
        backend.setup()
        backend.add_documents(documents[:1000])
        backend.add_documents(documents[1000:])
        backend.remove("forum.post.7")
        yield alias, backend


QUERIES = [
    'text:("router")',
    'text:("router") AND text:("camera")',
    'text:("router") AND text:("firmware") AND text:("wifi")',
    '(text:("router") AND text:("camera")) AND NOT text:("firmware")',
    'text:("router") AND product_id:2',
    'text:("router") OR text:("camera")',
]


@pytest.mark.parametrize("query_string", QUERIES)
def test_estimate_is_close_to_the_exact_count(big_index, query_string):
    _alias, backend = big_index
    searcher = backend._current_searcher()
    parsed = backend.parser.parse(query_string)
    exact = count_matches(searcher, parsed)
    # A budget that reads about a third of what the exact count reads.
    about, is_exact = estimate_matches(searcher, parsed, count_cost(searcher, parsed) // 3)
    assert not is_exact
    assert abs(about - exact) <= 0.2 * exact, (about, exact)
    # Budget enough: the exact count itself.
    assert estimate_matches(searcher, parsed, count_cost(searcher, parsed)) == (exact, True)


def test_count_cost_is_what_the_count_reads(big_index):
    _alias, backend = big_index
    searcher = backend._current_searcher()
    one = count_cost(searcher, backend.parser.parse('text:("router")'))
    assert one == searcher.doc_frequency("text", "router")
    two = count_cost(searcher, backend.parser.parse('text:("router") AND text:("camera")'))
    assert two == one + searcher.doc_frequency("text", "camera")


@pytest.fixture
def estimating(monkeypatch):
    """Budgets small enough that the 1,200-question index gets estimated totals."""
    monkeypatch.setattr(backend_module, "EXACT_COUNT_BUDGET", 300)
    monkeypatch.setattr(backend_module, "SCORE_ALL_LIMIT", 50)


def _exhaustive_ids(backend, text: str) -> list[int]:
    from forum.search import query as q

    searcher = backend._current_searcher()
    parsed = backend.parser.parse(q.search_query_string(q.clean_query(text)))
    results = searcher.search(parsed, limit=None)
    return [int(searcher.stored_fields(results.docnum(i))["django_id"]) for i in range(results.scored_length())]


@pytest.mark.parametrize("text", ["router", "router camera", "router wifi"])
def test_pages_with_an_estimated_total_hold_every_match_and_end_exactly(big_index, estimating, text):
    alias, backend = big_index
    expected = _exhaustive_ids(backend, text)
    first = search_questions(text=text, using=alias, load=False, page_size=40)
    assert first.estimated and first.page.has_next()
    assert abs(first.page.paginator.count - len(expected)) <= 0.25 * len(expected)
    seen, number, page = [], 1, first
    while True:
        assert page.page.number == number and page.page.object_list, number  # never an empty page
        seen += [int(hit.pk) for hit in page.page.object_list]
        if not page.page.has_next():
            break
        number += 1
        page = search_questions(text=text, using=alias, load=False, page_size=40, page=number)
    assert seen == expected  # every match once, in Whoosh's order
    # The last page knows the total exactly.
    assert not page.estimated and page.page.paginator.count == len(expected)
    assert page.page.paginator.num_pages == number


def test_a_page_past_the_end_of_an_estimated_total_is_the_last_page(big_index, estimating):
    alias, backend = big_index
    expected = _exhaustive_ids(backend, "router")
    last_number = (len(expected) + 39) // 40
    past = search_questions(text="router", using=alias, load=False, page_size=40, page=last_number + 5)
    assert past.page.number == last_number and not past.estimated
    assert [int(hit.pk) for hit in past.page.object_list] == expected[(last_number - 1) * 40 :]


def test_cheap_or_small_totals_stay_exact(big_index):
    alias, backend = big_index
    # The default budget: counting 1,200 questions is cheap.
    found = search_questions(text="router camera", using=alias, load=False)
    assert not found.estimated and found.page.paginator.count == len(_exhaustive_ids(backend, "router camera"))


def test_small_totals_stay_exact_even_when_counting_costs(big_index, monkeypatch):
    alias, backend = big_index
    monkeypatch.setattr(backend_module, "EXACT_COUNT_BUDGET", 300)
    # Over 1,000 postings read, about 120 matches (under SCORE_ALL_LIMIT): counted exactly.
    found = search_questions(text="router firmware", using=alias, load=False)
    assert not found.estimated
    assert found.page.paginator.count == len(_exhaustive_ids(backend, "router firmware"))


def test_rounded_estimates():
    assert [backend_module._rounded(n) for n in (7, 99, 123, 2_468, 12_345, 99_960)] == [
        7,
        99,
        120,
        2_500,
        12_000,
        100_000,
    ]


@pytest.fixture
def many_questions(search_index, committed, product, alice, monkeypatch):
    for n in range(26):
        committed(make_question, author=alice, product=product, title=f"Router firmware question number {n}")
    monkeypatch.setattr(backend_module, "EXACT_COUNT_BUDGET", 10)
    monkeypatch.setattr(backend_module, "SCORE_ALL_LIMIT", 5)
    # A fixed estimate: what the page shows does not then depend on the sample.
    monkeypatch.setattr(backend_module, "estimate_matches", lambda searcher, query, budget: (31, False))


def test_the_page_says_about_n_questions_in_english_and_chinese(client, many_questions):
    url = reverse("forum:search")
    html = client.get(url, {"q": "firmware"}).content.decode()
    assert "About 31 questions found" in html and "Page 1 of about 2" in html
    chinese = client.get(url, {"q": "firmware"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "找到约 31 个问题" in chinese and "第 1 页，约 2 页" in chinese
    # The last page: 6 questions, and the exact total.
    last = client.get(url, {"q": "firmware", "page": 2}).content.decode()
    assert "26 questions found" in last and "About" not in last and "Page 2 of 2" in last
    assert last.count('class="question-row search-result"') == 6


def test_json_says_when_the_count_is_estimated(client, many_questions):
    data = client.get(reverse("forum:search_json"), {"q": "firmware"}).json()
    assert data["count"] == 31 and data["count_estimated"] is True and len(data["results"]) == 20
    last = client.get(reverse("forum:search_json"), {"q": "firmware", "page": 2}).json()
    assert last["count"] == 26 and last["count_estimated"] is False and len(last["results"]) == 6

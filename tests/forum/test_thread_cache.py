"""Kept threads (forum/thread_cache.py): read once per change of the question, for every reader.

Each test reads a page (so the thread is kept), changes something the way a user or a worker
would, and checks what the next reader sees: a change to the thread at once, for every kind of
reader; a change outside it within ``THREAD_SECONDS``; each reader's own votes always.
"""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forum import authority_store, local_lru, services, thread_cache
from forum.models import Post, ProductAuthority
from tests.factories import UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pages_rendered_every_time(settings):
    # Kept anonymous pages (forum/page_cache.py) would answer before the thread is read.
    settings.WENDAO = {**settings.WENDAO, "ANONYMOUS_PAGE_SECONDS": 0, "THREAD_SECONDS": 60, "ANSWERS_PER_PAGE": 2}


@pytest.fixture
def thread(alice, bob, product):
    question = make_question(author=alice, product=product, title="Pairing fails", body="The LED blinks red.")
    answers = [
        make_answer(question=question, author=author, body=f"Hold reset for {n} seconds.")
        for n, author in enumerate([bob, UserFactory(), UserFactory()], start=10)
    ]
    services.comment_add(author=alice, post=answers[0], body="That worked, thanks!")
    return question, answers


def _page(client, question, page: int = 1) -> str:
    """The page's HTML without its CSRF tokens (a new mask every request)."""
    response = client.get(question.get_absolute_url(), {"page": page})
    assert response.status_code == 200
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", response.content.decode())


def _shown(html: str) -> list[str]:
    """The answers on a page, by id, in order."""
    return re.findall(r'<article class="answer[^"]*" id="(answer-\d+)"', html)


def _answers_section(html: str) -> str:
    return html[html.index('<section class="answers"') : html.index('<section class="your-answer"')]


def _thread_sql(queries) -> list[str]:
    table = Post._meta.db_table
    return [q["sql"] for q in queries if f'FROM "{table}"' in q["sql"] or f"FROM {table}" in q["sql"]]


def test_the_second_reader_reads_no_thread_rows(thread, alice_client, bob_client):
    question, _answers = thread
    first = _page(alice_client, question)
    with CaptureQueriesContext(connection) as queries:
        again = _page(bob_client, question)
    assert _thread_sql(queries.captured_queries) == []
    assert "Hold reset for" in again and "That worked, thanks!" in again
    assert _shown(first) == _shown(again) and len(_shown(first)) == 2


def test_each_reader_sees_their_own_votes_on_a_kept_thread(thread, alice_client, bob_client, kate):
    question, answers = thread
    top = Post.objects.filter(question=question).order_by("-rank_score", "created_at", "pk").first()
    services.vote_cast(voter=kate, post=top, value=1)
    kate_client = Client()
    kate_client.force_login(kate)
    _page(bob_client, question)  # kept now, read for bob
    mine = _page(kate_client, question)
    theirs = _page(alice_client, question)
    assert 'aria-pressed="true"' in mine
    assert 'aria-pressed="true"' not in theirs


@pytest.mark.parametrize(
    "change",
    [
        lambda q, a, alice, bob: make_answer(question=q, author=alice, body="A brand new answer about the LED."),
        lambda q, a, alice, bob: services.comment_add(author=bob, post=a[0], body="A brand new comment here."),
        lambda q, a, alice, bob: services.post_edit(editor=bob, post=a[0], body="A brand new body.", reason="typo"),
        lambda q, a, alice, bob: services.answer_accept(user=alice, answer=a[0]),
        lambda q, a, alice, bob: services.vote_cast(voter=alice, post=a[0], value=1),
    ],
    ids=["answer", "comment", "edit", "accept", "vote"],
)
def test_a_change_to_the_thread_shows_at_once(thread, alice, bob, bob_client, change):
    question, answers = thread
    before = _answers_section(_page(bob_client, question))
    assert _answers_section(_page(bob_client, question)) == before  # nothing changed: the same answers
    change(question, answers, alice, bob)
    assert _answers_section(_page(bob_client, question)) != before


def test_a_deleted_answer_shows_to_its_moderator_and_not_to_customers(thread, bob, bob_client, erin_client):
    question, answers = thread
    _page(bob_client, question)
    _page(erin_client, question)
    services.post_delete(user=bob, post=answers[0])
    assert "Hold reset for 10 seconds" not in _page(bob_client, question)
    assert "Hold reset for 10 seconds" in _page(erin_client, question)  # the product's expert moderates


def test_each_page_of_answers_is_kept_apart(thread, bob_client):
    question, _answers = thread
    first, second = _shown(_page(bob_client, question, 1)), _shown(_page(bob_client, question, 2))
    assert len(first) == 2 and len(second) == 1 and not set(first) & set(second)
    assert _shown(_page(bob_client, question, 1)) == first


def test_a_change_outside_the_thread_shows_within_the_kept_time(thread, bob, bob_client, product, monkeypatch):
    question, _answers = thread
    _page(bob_client, question)
    # As a vote on another question would: only bob's stored authority changes, not this thread.
    ProductAuthority.objects.update_or_create(user=bob, product=product, defaults={"anchor": 10_000_000})
    badge = f"Authority </span>{authority_store.authority_of(bob.pk, product.pk).index}</span>"
    assert badge not in _page(bob_client, question)  # still the kept thread
    later = local_lru.time.monotonic() + 61
    monkeypatch.setattr(local_lru.time, "monotonic", lambda: later)
    assert badge in _page(bob_client, question)


def test_with_no_kept_time_every_page_reads_the_thread(thread, bob_client, settings):
    settings.WENDAO = {**settings.WENDAO, "THREAD_SECONDS": 0}
    question, _answers = thread
    _page(bob_client, question)
    with CaptureQueriesContext(connection) as queries:
        _page(bob_client, question)
    assert _thread_sql(queries.captured_queries)


def test_a_request_never_changes_the_kept_objects(thread, bob):
    question, _answers = thread
    kept_question = thread_cache.question(question.pk, voter=bob)
    answers, votes = thread_cache.page(question=kept_question, user=bob, include_deleted=False, page=1)
    for post in [kept_question, *answers]:
        post.reader_html = "for bob only"
        post.my_vote = 1
    again = thread_cache.question(question.pk, voter=bob)
    answers_again, _votes = thread_cache.page(question=again, user=bob, include_deleted=False, page=1)
    assert not hasattr(answers_again[0], "reader_html") and not hasattr(again, "reader_html")
    assert all(getattr(a, "my_vote", None) is None for a in answers_again)


def test_a_missing_question_is_not_kept(db, bob_client):
    assert bob_client.get("/q/987654/").status_code == 404
    make_question(title="Arrives later")  # whatever id it gets, nothing was kept for a miss
    assert thread_cache.kept.get(("question", 987654, None)) is None

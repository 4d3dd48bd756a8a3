"""Kept pages for anonymous readers (forum/page_cache.py)."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forum import services
from forum.models import Post
from tests.factories import make_answer, make_question

pytestmark = pytest.mark.django_db


@pytest.fixture
def question(alice, bob, product):
    question = make_question(author=alice, product=product, title="Pairing fails", body="The LED blinks red.")
    make_answer(question=question, author=bob, body="Hold reset for ten seconds.")
    return question


def _get(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200
    return response


def test_a_second_anonymous_reader_gets_the_kept_page_and_the_view_counts(question):
    url = question.get_absolute_url()
    first = _get(Client(), url)
    assert "X-Page-Cache" not in first
    with CaptureQueriesContext(connection) as queries:
        second = _get(Client(), url)
    assert second["X-Page-Cache"] == "hit"
    # Only the view counter is written (on PostgreSQL one "SET LOCAL ...; UPDATE ..." string).
    (only,) = [q["sql"] for q in queries.captured_queries]
    assert "UPDATE" in only and "SELECT" not in only
    assert Post.objects.get(pk=question.pk).view_count == 2
    assert second.content.count(b"Hold reset for ten seconds.") == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda q, bob, alice, erin: services.answer_post(author=erin, question=q, body="Update the firmware first."),
        lambda q, bob, alice, erin: services.comment_add(author=erin, post=q, body="Update the firmware first."),
        lambda q, bob, alice, erin: services.post_edit(
            editor=alice, post=q, body="Update the firmware first.", reason="more detail"
        ),
        lambda q, bob, alice, erin: services.answer_endorse(
            expert=erin, answer=q.answers.get(), note="Update the firmware first."
        ),
    ],
    ids=["answer", "comment", "edit", "endorsement"],
)
def test_a_change_to_the_thread_shows_at_once(question, alice, bob, erin, change):
    url = question.get_absolute_url()
    _get(Client(), url)
    assert _get(Client(), url)["X-Page-Cache"] == "hit"
    change(question, bob, alice, erin)
    fresh = _get(Client(), url)
    assert "X-Page-Cache" not in fresh
    assert b"Update the firmware first." in fresh.content


def test_votes_and_acceptance_show_at_once(question, alice, erin):
    url = question.get_absolute_url()
    answer = question.answers.get()
    _get(Client(), url)
    services.vote_cast(voter=erin, post=answer, value=1)
    assert "X-Page-Cache" not in _get(Client(), url)
    _get(Client(), url)
    services.answer_accept(user=alice, answer=answer)
    assert b"accepted-mark" in _get(Client(), url).content


def test_signed_in_readers_always_get_their_own_page(question, alice_client):
    url = question.get_absolute_url()
    _get(Client(), url)
    response = _get(alice_client, url)
    assert "X-Page-Cache" not in response
    assert b"Log out" in response.content or b"logout" in response.content


def test_every_reader_gets_a_working_csrf_token(question):
    url = question.get_absolute_url()
    _get(Client(), url)
    for _ in range(2):
        reader = Client(enforce_csrf_checks=True)
        page = _get(reader, url)
        assert page["X-Page-Cache"] == "hit"
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()
        assert not token.startswith("wendao-csrf")
        switched = reader.post("/i18n/setlang/", {"language": "zh-hans", "next": url, "csrfmiddlewaretoken": token})
        assert switched.status_code == 302


def test_languages_are_kept_apart(question):
    url = question.get_absolute_url()
    _get(Client(), url, HTTP_ACCEPT_LANGUAGE="en")
    chinese = _get(Client(), url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "X-Page-Cache" not in chinese
    assert chinese["Content-Language"] == "zh-hans"
    assert _get(Client(), url, HTTP_ACCEPT_LANGUAGE="zh-hans")["Content-Language"] == "zh-hans"


def test_lists_and_home_are_kept_too(question, product):
    for url in ("/", product.get_absolute_url(), product.get_absolute_url() + "?sort=newest"):
        _get(Client(), url)
        assert _get(Client(), url)["X-Page-Cache"] == "hit"


def test_errors_and_redirects_are_never_kept(question):
    answer = question.answers.get()
    assert Client().get(f"/q/{answer.pk}/").status_code == 302
    assert Client().get(f"/q/{answer.pk}/").status_code == 302
    assert Client().get("/q/999999/").status_code == 404
    assert "X-Page-Cache" not in Client().get("/q/999999/")


def test_a_deleted_question_is_gone_at_once(question, alice):
    url = question.get_absolute_url()
    _get(Client(), url)
    services.post_delete(user=alice, post=question, reason="duplicate")
    gone = Client().get(url)
    assert gone.status_code in (403, 404) and b"Pairing fails" not in gone.content


def test_zero_seconds_turns_it_off(question, settings):
    settings.WENDAO = {**settings.WENDAO, "ANONYMOUS_PAGE_SECONDS": 0}
    url = question.get_absolute_url()
    _get(Client(), url)
    assert "X-Page-Cache" not in _get(Client(), url)


def test_the_api_question_detail_is_kept_for_anonymous_clients_only(question, alice_client, erin):
    url = f"/api/v1/questions/{question.pk}/"
    first = Client().get(url)
    assert first.status_code == 200 and "X-Page-Cache" not in first
    with CaptureQueriesContext(connection) as queries:
        second = Client().get(url)
    assert second["X-Page-Cache"] == "hit" and len(queries.captured_queries) == 0
    assert second.json() == first.json() and second["Content-Type"] == first["Content-Type"]
    assert "X-Page-Cache" not in alice_client.get(url)
    services.comment_add(author=erin, post=question, body="Update the firmware first.")
    fresh = Client().get(url)
    assert "X-Page-Cache" not in fresh and "Update the firmware first." in fresh.content.decode()


def test_the_api_question_list_is_kept_for_anonymous_clients_only(question, alice_client):
    url = "/api/v1/questions/?page_size=10"
    first = Client().get(url)
    assert first.status_code == 200 and "X-Page-Cache" not in first
    second = Client().get(url)
    assert second["X-Page-Cache"] == "hit" and second.json() == first.json()
    assert "X-Page-Cache" not in alice_client.get(url)
    # Bad input is answered, never kept.
    assert Client().get("/api/v1/questions/?page_size=abc").status_code in (200, 400)
    assert "X-Page-Cache" not in Client().get("/api/v1/questions/?product=nope")

"""Trust levels and daily limits: pages, services and concurrent requests."""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from forum import hooks, limits, services
from forum.limits import LimitReached
from forum.models import ActionCounter, Post, Vote
from tests.factories import UserFactory, make_answer, make_question

pytestmark = pytest.mark.limits


def _limits(settings, **changes):
    """Only the limits a test names bite; the others are wide open so test data is easy to make."""
    wide = {action: [(1000, 0)] * 4 for action in limits.ACTIONS}
    settings.WENDAO_LIMITS = {**settings.WENDAO_LIMITS, **wide, **changes}


def test_new_account_without_authority_is_at_the_lowest_level(product, alice):
    assert limits.trust_level(alice, product).name == "new"


def test_experts_and_admins_are_not_limited(product, erin, root, frank):
    assert limits.trust_level(erin, product).is_staff
    assert limits.trust_level(root, product).is_staff
    # An expert of another product is an ordinary member here.
    assert not limits.trust_level(frank, product).is_staff


@given(authority=st.floats(0, 1000), days=st.integers(0, 3650), more=st.floats(0, 1000), later=st.integers(0, 3650))
def test_level_never_drops_as_authority_or_age_grow(authority, days, more, later):
    low = limits.level_for(authority=authority, account_age=timedelta(days=days))
    high = limits.level_for(authority=authority + more, account_age=timedelta(days=days + later))
    assert high.number >= low.number


def test_limits_lift_as_authority_grows(product, alice, bob):
    question = make_question(author=bob, product=product)
    answer = make_answer(question=question, author=alice)
    assert limits.trust_level(alice, product).name == "new"
    voters = UserFactory.create_batch(4)
    for voter in voters:
        services.vote_cast(voter=voter, post=answer, value=Vote.UP)
    services.answer_accept(user=bob, answer=answer)
    alice = type(alice).objects.get(pk=alice.pk)  # a fresh request: no memo
    cache.clear()  # the level is cached for a few minutes (TRUST_CACHE_SECONDS)
    assert limits.trust_level(alice, product).number >= 2
    new_limit = limits.limit_for("question", limits.level_for(authority=0, account_age=timedelta(days=99)))
    assert limits.limit_for("question", limits.trust_level(alice, product))[0] > new_limit[0]


def test_the_authority_index_provider_decides_the_level(monkeypatch, product, alice):
    monkeypatch.setitem(hooks._providers, "authority.index", [lambda user, product_id: 600.0])
    assert limits.trust_level(alice, product).name == "regular"


def test_without_an_authority_provider_the_forums_own_counts_are_used(monkeypatch, product, alice, bob):
    monkeypatch.setitem(hooks._providers, "authority.index", [])
    answer = make_answer(question=make_question(author=bob, product=product), author=alice)
    assert limits.authority_in(alice, product) == 0
    services.vote_cast(voter=bob, post=answer, value=Vote.UP)
    assert 0 < limits.authority_in(alice, product) < 1000


def test_the_question_limit_refuses_the_next_question_with_a_reason(settings, product, alice):
    _limits(settings, question=[(2, 0)] * 4)
    make_question(author=alice, product=product, title="First question here")
    make_question(author=alice, product=product, title="Second question here")
    with pytest.raises(LimitReached) as refused:
        make_question(author=alice, product=product, title="Third question here")
    assert "limit of 2 questions" in refused.value.message
    assert 0 < refused.value.retry_after <= 24 * 3600
    assert Post.objects.filter(author=alice).count() == 2


def test_minimum_interval_between_answers(settings, product, alice, bob):
    _limits(settings, answer=[(10, 30)] * 4)
    question = make_question(author=bob, product=product)
    make_answer(question=question, author=alice)
    with pytest.raises(LimitReached) as refused:
        make_answer(question=question, author=alice, body="A second answer right away.")
    assert 25 <= refused.value.retry_after <= 30
    ActionCounter.objects.filter(user=alice).update(last_at=timezone.now() - timedelta(seconds=31))
    make_answer(question=question, author=alice, body="A second answer, later.")


def test_a_refused_post_does_not_spend_a_unit(settings, product, alice):
    _limits(settings, question=[(1, 0)] * 4)
    with pytest.raises(ValidationError):
        make_question(author=alice, product=product, title="x")  # too short: rolled back
    make_question(author=alice, product=product)
    assert ActionCounter.objects.get(user=alice, action="question").count == 1


def test_taking_back_or_changing_a_vote_is_free(settings, product, alice, bob):
    _limits(settings, vote=[(1, 0)] * 4)
    first, second = (make_question(author=bob, product=product, title=f"Question number {n}") for n in (1, 2))
    services.vote_cast(voter=alice, post=first, value=1)
    services.vote_cast(voter=alice, post=first, value=-1)
    services.vote_cast(voter=alice, post=first, value=0)
    with pytest.raises(LimitReached):
        services.vote_cast(voter=alice, post=second, value=1)


def test_experts_post_without_limits(settings, product, erin):
    _limits(settings, question=[(1, 60)] * 4)
    for n in range(3):
        make_question(author=erin, product=product, title=f"Expert question {n}")


def test_new_members_may_include_only_a_few_links(product, alice):
    body = "See https://a.example, https://b.example and www.c.example for details."
    with pytest.raises(ValidationError, match="at most 2 links"):
        make_question(author=alice, product=product, body=body)


def test_the_page_answers_429_with_retry_after(settings, product, alice_client, alice, bob):
    _limits(settings, answer=[(1, 0)] * 4)
    question = make_question(author=bob, product=product)
    url = reverse("forum:answer", args=[question.pk])
    assert alice_client.post(url, {"body": "My first answer to this."}).status_code == 302
    response = alice_client.post(url, {"body": "My second answer to this."})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "limit of 1 answers" in response.content.decode()
    assert Post.objects.filter(author=alice, kind="a").count() == 1


def test_bulk_jobs_can_bypass_the_limits(settings, product, alice):
    _limits(settings, question=[(1, 0)] * 4)
    with limits.bypass():
        for n in range(3):
            make_question(author=alice, product=product, title=f"Imported question {n}")


@pytest.mark.postgres
def test_fifty_parallel_vote_requests_against_a_limit_of_ten_let_exactly_ten_through(
    settings, transactional_db, product, alice, bob
):
    _limits(settings, vote=[(10, 0)] * 4)
    posts = [make_question(author=bob, product=product, title=f"Parallel question {n}") for n in range(50)]
    barrier = threading.Barrier(50)
    statuses: list[int] = []
    lock = threading.Lock()

    def request(post):
        client = Client()
        client.force_login(alice)
        barrier.wait()
        try:
            status = client.post(reverse("forum:vote", args=[post.pk]), {"value": "1"}).status_code
            with lock:
                statuses.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=request, args=(post,)) for post in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(set(statuses)) == [302, 429]
    assert statuses.count(302) == 10
    assert statuses.count(429) == 40
    assert Vote.objects.filter(voter=alice).count() == 10
    assert ActionCounter.objects.get(user=alice, action="vote").count == 10


def test_the_api_answers_429_with_retry_after_from_the_same_limit(settings, product, alice_client, alice, bob):
    _limits(settings, vote=[(1, 0)] * 4)
    first, second = (make_question(author=bob, product=product, title=f"API question {n}") for n in (1, 2))
    assert (
        alice_client.post(f"/api/v1/posts/{first.pk}/vote/", {"value": 1}, content_type="application/json").status_code
        < 300
    )
    response = alice_client.post(f"/api/v1/posts/{second.pk}/vote/", {"value": 1}, content_type="application/json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "limit of 1 votes" in response.content.decode()
    assert Vote.objects.filter(voter=alice).count() == 1

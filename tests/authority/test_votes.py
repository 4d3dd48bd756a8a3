"""Votes as the index counts them: weights, caps, imports, the request's cost and concurrency."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forum import authority_store, services
from forum.models import Post, ProductAuthority, Vote
from tests.factories import UserFactory, make_answer, make_expert, make_question


@pytest.fixture
def answer(product):
    question = make_question(author=UserFactory(username="asker"), product=product)
    return make_answer(question=question, author=UserFactory(username="writer"))


def _weight(voter, post) -> int:
    return Vote.objects.get(voter=voter, post=post).weight


def test_a_newcomer_votes_with_weight_one_and_an_expert_with_more(answer, product):
    newcomer = UserFactory()
    expert = make_expert(UserFactory(), product)
    services.vote_cast(voter=newcomer, post=answer, value=1)
    services.vote_cast(voter=expert, post=answer, value=1)
    assert _weight(newcomer, answer) == 1000
    # An expert's floor (1000 points) hits the weight cap of 3, times the expert multiplier 1.5.
    assert _weight(expert, answer) == 4500
    answer.refresh_from_db()
    assert (answer.upvotes, answer.weighted_up, answer.effective_votes) == (2, 5500, 5.5)


def test_young_accounts_vote_but_weigh_nothing(answer):
    fresh = UserFactory(date_joined=timezone.now() - timedelta(hours=5))
    services.vote_cast(voter=fresh, post=answer, value=1)
    answer.refresh_from_db()
    assert (answer.score, answer.weighted_up) == (1, 0)


def test_a_self_vote_is_impossible(answer):
    with pytest.raises(PermissionDenied):
        services.vote_cast(voter=answer.author, post=answer, value=1)
    assert not Vote.objects.exists()


def test_votes_beyond_the_pair_cap_and_reciprocal_pairs_count_less(product, settings):
    settings.WENDAO_AUTHORITY = {"pair_cap": 2}
    fan, writer = UserFactory(), UserFactory()
    asker = UserFactory()
    posts = [make_answer(question=make_question(author=asker, product=product), author=writer) for _ in range(3)]
    for post in posts:
        services.vote_cast(voter=fan, post=post, value=1)
    assert [_weight(fan, p) for p in posts] == [1000, 1000, 0]
    # The writer returns the favour twice: from then on the fan's votes for the writer are damped.
    fan_posts = [make_answer(question=make_question(author=asker, product=product), author=fan) for _ in range(2)]
    for post in fan_posts:
        services.vote_cast(voter=writer, post=post, value=1)
    other = UserFactory()
    settings.WENDAO_AUTHORITY = {"pair_cap": 10}
    fourth = make_answer(question=make_question(author=other, product=product), author=writer)
    services.vote_cast(voter=fan, post=fourth, value=1)
    assert 0 < _weight(fan, fourth) < 1000


def test_imported_votes_without_voters_count_with_the_default_weight(answer, product):
    Vote.objects.create(post=answer, voter=None, value=1, external_source="se", external_id="1")
    Vote.objects.create(post=answer, voter=None, value=-1, external_source="se", external_id="2")
    authority_store.recompute()
    answer.refresh_from_db()
    assert (answer.weighted_up, answer.weighted_down) == (1000, 1000)
    vote = Vote.objects.get(external_id="1")
    assert (vote.author_id, vote.product_id, vote.weight) == (answer.author_id, product.pk, None)
    assert ProductAuthority.objects.get(user=answer.author).anchor > 0


@pytest.mark.django_db(transaction=True)
def test_a_vote_request_costs_at_most_ten_queries(product, settings):
    settings.WENDAO_LIMITS = {**settings.WENDAO_LIMITS, "ENABLED": True}  # as in production
    question = make_question(author=UserFactory(), product=product)
    answers = [make_answer(question=question, author=UserFactory()) for _ in range(2)]
    voter = UserFactory()
    client = Client()
    client.force_login(voter)
    client.post(reverse("forum:vote", args=[answers[0].pk]), {"value": "1"})  # warms the role caches
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("forum:vote", args=[answers[1].pk]), {"value": "1"})
    assert response.status_code == 302
    # Transaction control (BEGIN, COMMIT) is not a query about data: count the statements that are.
    statements = [q["sql"] for q in queries.captured_queries if q["sql"] not in ("BEGIN", "BEGIN IMMEDIATE", "COMMIT")]
    assert len(statements) <= 10, "\n".join(sql[:120] for sql in statements)
    assert Post.objects.get(pk=answers[1].pk).weighted_up == 1000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_voters_give_exactly_twenty_counted_votes(product):
    question = make_question(author=UserFactory(), product=product)
    answer = make_answer(question=question, author=UserFactory())
    voters = [UserFactory() for _ in range(20)]
    barrier = threading.Barrier(20)
    errors = []

    def vote(voter):
        try:
            barrier.wait()
            services.vote_cast(voter=voter, post=Post.objects.get(pk=answer.pk), value=1)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=vote, args=(v,)) for v in voters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    answer.refresh_from_db()
    assert (answer.score, answer.upvotes, answer.weighted_up) == (20, 20, 20 * 1000)
    assert Vote.objects.filter(post=answer).count() == 20
    before = authority_store.snapshot()
    authority_store.recompute()
    assert authority_store.snapshot() == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_counts_one_vote(product):
    answer = make_answer(question=make_question(author=UserFactory(), product=product), author=UserFactory())
    voter = UserFactory()
    barrier = threading.Barrier(2)
    outcomes = []

    def vote():
        try:
            barrier.wait()
            services.vote_cast(voter=voter, post=Post.objects.get(pk=answer.pk), value=1)
            outcomes.append("ok")
        except Exception as error:  # noqa: BLE001
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ValidationError", "ok"]
    answer.refresh_from_db()
    assert (answer.upvotes, answer.weighted_up) == (1, 1000)

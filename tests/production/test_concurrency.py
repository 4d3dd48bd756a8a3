"""Races on PostgreSQL: many requests at the same moment leave exactly the rows they should.

Each thread has its own database connection (Django opens one per thread) and a barrier
releases them together, so the services really run side by side; ``transactional_db`` lets the
threads see each other's commits.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from forum import services
from forum.models import Post, Vote
from forum.reconcile import reconcile
from tests.factories import UserFactory, make_answer, make_question

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("transactional_db")]


def _all_at_once(jobs):
    """Run the callables in threads released together; return (results, errors)."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [], []

    def run(job):
        try:
            barrier.wait()
            results.append(job())
        except ValidationError as error:
            errors.append(error)
        except Exception as error:  # any other failure is a bug: keep it for the assertion
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@pytest.fixture
def answer(product, alice, bob):
    question = make_question(author=alice, product=product, title="Router drops Wi-Fi every night")
    return make_answer(question=question, author=bob, body="Turn off the nightly channel scan.")


def test_twenty_people_voting_at_once_count_twenty(answer):
    voters = UserFactory.create_batch(20)
    results, errors = _all_at_once([lambda v=v: services.vote_cast(voter=v, post=answer, value=1) for v in voters])
    assert errors == []
    assert len(results) == 20
    answer.refresh_from_db()
    assert Vote.objects.filter(post=answer, voided_at__isnull=True, value=1).count() == 20
    assert (answer.score, answer.upvotes) == (20, 20)
    report = reconcile()
    assert report.total == 0, report


def test_one_person_voting_twenty_times_at_once_counts_once(answer):
    voter = UserFactory()
    _results, errors = _all_at_once([lambda: services.vote_cast(voter=voter, post=answer, value=1)] * 20)
    assert len(errors) == 19
    assert all(isinstance(error, ValidationError) for error in errors), errors
    assert Vote.objects.filter(post=answer, voter=voter).count() == 1
    answer.refresh_from_db()
    assert answer.score == 1
    assert reconcile().total == 0


def test_two_accepts_at_once_leave_one_accepted_answer(answer, alice, erin):
    other = make_answer(question=answer.question, author=erin, body="Update to firmware 2.1.")
    _results, errors = _all_at_once(
        [
            lambda: services.answer_accept(user=alice, answer=answer),
            lambda: services.answer_accept(user=alice, answer=other),
        ]
    )
    assert all(isinstance(error, ValidationError) for error in errors), errors
    accepted = Post.objects.filter(question=answer.question, is_accepted=True)
    assert accepted.count() == 1
    question = Post.objects.get(pk=answer.question_id)
    assert question.has_accepted_answer
    assert reconcile().total == 0

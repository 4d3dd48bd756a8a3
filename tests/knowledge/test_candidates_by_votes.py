"""Votes that carry an accepted answer over the thresholds make it a candidate at once
(knowledge/receivers.py ``on_vote``); votes on answers that are not accepted never do."""

import pytest

from forum import services as forum_services
from knowledge.models import Candidate, CandidateReason, CandidateStatus
from tests.factories import UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


@pytest.fixture
def thresholds(settings):
    # One effective vote is enough, so the second and later votes are what lift the answer.
    settings.KNOWLEDGE = {**settings.KNOWLEDGE, "CANDIDATE_MIN_RANK_SCORE": 0.0, "CANDIDATE_MIN_EFFECTIVE_VOTES": 1}


def test_votes_lift_an_accepted_answer_into_the_candidates(thresholds, product, alice, bob):
    question = make_question(author=alice, product=product)
    answer = make_answer(question=question, author=bob)
    forum_services.answer_accept(user=alice, answer=answer)
    assert not Candidate.objects.filter(answer=answer).exists()  # no votes yet
    # The voter's request reads the answer (accepted) before voting, as the vote views do.
    forum_services.vote_cast(voter=UserFactory(), post=type(answer).objects.get(pk=answer.pk), value=1)
    assert Candidate.objects.get(answer=answer).reason == CandidateReason.ACCEPTED


def test_votes_on_an_answer_that_is_not_accepted_make_no_candidate(thresholds, product, alice, bob):
    question = make_question(author=alice, product=product)
    answer = make_answer(question=question, author=bob)
    for _ in range(3):
        forum_services.vote_cast(voter=UserFactory(), post=type(answer).objects.get(pk=answer.pk), value=1)
    assert not Candidate.objects.filter(answer=answer).exists()


def test_a_vote_reopens_a_withdrawn_candidate_and_leaves_a_standing_one_alone(thresholds, product, alice, bob):
    question = make_question(author=alice, product=product)
    answer = make_answer(question=question, author=bob)
    forum_services.answer_accept(user=alice, answer=answer)
    forum_services.vote_cast(voter=UserFactory(), post=type(answer).objects.get(pk=answer.pk), value=1)
    candidate = Candidate.objects.get(answer=answer)
    assert candidate.status == CandidateStatus.PENDING
    stamp = candidate.updated_at
    forum_services.vote_cast(voter=UserFactory(), post=type(answer).objects.get(pk=answer.pk), value=1)
    candidate.refresh_from_db()
    assert (candidate.status, candidate.updated_at) == (CandidateStatus.PENDING, stamp)  # untouched
    Candidate.objects.filter(pk=candidate.pk).update(status=CandidateStatus.WITHDRAWN, withdrawn_reason="test")
    forum_services.vote_cast(voter=UserFactory(), post=type(answer).objects.get(pk=answer.pk), value=1)
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.PENDING and candidate.reason == CandidateReason.ACCEPTED


def test_a_vote_on_an_answer_with_a_standing_candidate_costs_one_lookup(thresholds, product, alice, bob):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    question = make_question(author=alice, product=product)
    accepted, other = make_answer(question=question, author=bob), make_answer(question=question, author=bob)
    forum_services.answer_accept(user=alice, answer=accepted)
    forum_services.vote_cast(voter=UserFactory(), post=type(accepted).objects.get(pk=accepted.pk), value=1)
    assert Candidate.objects.filter(answer=accepted, status=CandidateStatus.PENDING).exists()

    def statements(answer) -> int:
        voter, post = UserFactory(), type(answer).objects.get(pk=answer.pk)
        with CaptureQueriesContext(connection) as captured:
            forum_services.vote_cast(voter=voter, post=post, value=1)
        return len(captured.captured_queries)

    # The same vote on an answer that is not accepted, plus the candidate lookup: no evaluation.
    assert statements(accepted) == statements(other) + 1

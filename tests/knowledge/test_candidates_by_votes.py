"""Votes that carry an accepted answer over the thresholds make it a candidate at once
(knowledge/receivers.py ``on_vote``); votes on answers that are not accepted never do."""

import pytest

from forum import services as forum_services
from knowledge.models import Candidate, CandidateReason
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

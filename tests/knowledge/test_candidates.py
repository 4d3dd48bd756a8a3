import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given
from hypothesis import strategies as st

from forum import services as forum_services
from forum.models import Flag, Post
from knowledge import promotion, services
from knowledge.models import Article, Candidate, CandidateReason, CandidateStatus
from tests.factories import make_answer, make_question

from .conftest import endorsed_candidate, publish

pytestmark = pytest.mark.django_db


def test_an_expert_endorsement_makes_one_candidate(product, erin, alice, bob):
    candidate = endorsed_candidate(product=product, expert=erin, asker=alice, answerer=bob)
    assert candidate.status == CandidateStatus.PENDING
    assert candidate.reason == CandidateReason.ENDORSED
    assert candidate.product == product
    # Evaluating again (another signal, a sweep) never makes a second one.
    assert services.candidate_evaluate(answer=candidate.answer).pk == candidate.pk
    assert Candidate.objects.count() == 1


def test_withdrawing_the_endorsement_withdraws_the_candidate_and_endorsing_again_reopens_it(candidate, erin):
    forum_services.endorsement_withdraw(expert=erin, answer=candidate.answer)
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.WITHDRAWN
    assert candidate.withdrawn_reason == "endorsement withdrawn"
    forum_services.answer_endorse(expert=erin, answer=candidate.answer)
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.PENDING
    assert Candidate.objects.count() == 1


def test_deleting_the_answer_before_review_withdraws_the_candidate(candidate, bob):
    forum_services.post_delete(user=bob, post=candidate.answer)
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.WITHDRAWN
    assert candidate.withdrawn_reason == "answer deleted"


def test_deleting_the_question_withdraws_its_answers_candidates(candidate, alice):
    forum_services.post_delete(user=alice, post=candidate.answer.question)
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.WITHDRAWN


def test_accepted_answer_above_the_score_threshold_becomes_a_candidate(product, alice, bob, settings):
    settings.KNOWLEDGE = {**settings.KNOWLEDGE, "CANDIDATE_MIN_RANK_SCORE": 0.0, "CANDIDATE_MIN_EFFECTIVE_VOTES": 0}
    question = make_question(author=alice, product=product)
    answer = make_answer(question=question, author=bob)
    forum_services.answer_accept(user=alice, answer=answer)
    answer.refresh_from_db()
    assert answer.rank_score > 0  # kept by the authority index, read by the rule
    candidate = Candidate.objects.get(answer=answer)
    assert candidate.reason == CandidateReason.ACCEPTED
    # Taking the acceptance back before review withdraws it.
    forum_services.answer_unaccept(user=alice, answer=answer)
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.WITHDRAWN


def test_accepted_answer_below_the_thresholds_is_not_a_candidate(product, alice, bob, settings):
    settings.KNOWLEDGE = {**settings.KNOWLEDGE, "CANDIDATE_MIN_RANK_SCORE": 0.0, "CANDIDATE_MIN_EFFECTIVE_VOTES": 3}
    question = make_question(author=alice, product=product)
    answer = make_answer(question=question, author=bob)
    forum_services.answer_accept(user=alice, answer=answer)
    assert not Candidate.objects.filter(answer=answer).exists()
    settings.KNOWLEDGE = {**settings.KNOWLEDGE, "CANDIDATE_MIN_RANK_SCORE": 5.0, "CANDIDATE_MIN_EFFECTIVE_VOTES": 0}
    assert services.candidate_evaluate(answer=answer) is None


def test_the_sweep_promotes_accepted_answers_whose_score_rose_without_a_signal(product, alice, bob, settings):
    from knowledge.tasks import knowledge_sweep

    settings.KNOWLEDGE = {**settings.KNOWLEDGE, "CANDIDATE_MIN_RANK_SCORE": 0.5, "CANDIDATE_MIN_EFFECTIVE_VOTES": 3}
    question = make_question(author=alice, product=product)
    answer = make_answer(question=question, author=bob)
    forum_services.answer_accept(user=alice, answer=answer)
    assert not Candidate.objects.filter(answer=answer).exists()
    Post.objects.filter(pk=answer.pk).update(rank_score=0.9, effective_votes=5)  # a full recompute did this
    assert knowledge_sweep.delay().get()["evaluated"] == 1
    assert Candidate.objects.get(answer=answer).reason == CandidateReason.ACCEPTED


def test_an_open_flag_keeps_an_answer_out_and_blocks_publishing(product, erin, alice, bob, kate):
    question = make_question(author=alice, product=product)
    answer = make_answer(question=question, author=bob)
    flag = Flag.objects.create(post=answer, reporter=alice, reason="wrong")
    forum_services.answer_endorse(expert=erin, answer=answer)
    assert not Candidate.objects.filter(answer=answer).exists()
    flag.status = "declined"
    flag.save()
    candidate = services.candidate_evaluate(answer=answer)
    assert candidate.status == CandidateStatus.PENDING
    Flag.objects.create(post=answer, reporter=kate, reason="wrong")
    with pytest.raises(ValidationError, match="open flag"):
        publish(candidate, kate)


def test_publishing_a_candidate_twice_makes_one_article(candidate, kate):
    article = publish(candidate, kate)
    with pytest.raises(ValidationError, match="already been reviewed"):
        publish(candidate, kate)
    assert Article.objects.count() == 1
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.PUBLISHED
    assert candidate.article == article
    assert article.versions.count() == 1


def test_rejecting_needs_a_reason_and_an_editor(candidate, kate, erin):
    with pytest.raises(PermissionDenied):
        services.candidate_reject(editor=erin, candidate=candidate, reason="Not general enough")
    with pytest.raises(ValidationError):
        services.candidate_reject(editor=kate, candidate=candidate, reason="  ")
    services.candidate_reject(editor=kate, candidate=candidate, reason="Not general enough")
    candidate.refresh_from_db()
    assert (candidate.status, candidate.reject_reason, candidate.reviewed_by) == (
        "rejected",
        "Not general enough",
        kate,
    )
    # A rejected candidate stays rejected when the answer is endorsed by another expert later.
    assert services.candidate_evaluate(answer=candidate.answer).status == CandidateStatus.REJECTED


facts = st.builds(
    promotion.AnswerFacts,
    deleted=st.booleans(),
    expert_endorsed=st.booleans(),
    accepted=st.booleans(),
    rank_score=st.floats(min_value=-1, max_value=2, allow_nan=False),
    effective_votes=st.floats(min_value=0, max_value=50, allow_nan=False),
    open_flag=st.booleans(),
)


@given(facts)
def test_the_rule_never_promotes_deleted_or_flagged_answers_and_always_promotes_endorsed_ones(f):
    reason = promotion.qualifies(f, min_rank_score=0.5, min_effective_votes=3)
    if f.deleted or f.open_flag:
        assert reason is None
    elif f.expert_endorsed:
        assert reason == CandidateReason.ENDORSED
    else:
        assert (reason is not None) == (f.accepted and f.rank_score > 0.5 and f.effective_votes >= 3)


@given(facts, st.floats(min_value=0, max_value=1), st.floats(min_value=0, max_value=5))
def test_raising_the_thresholds_never_promotes_more(f, extra_score, extra_votes):
    low = promotion.qualifies(f, min_rank_score=0.5, min_effective_votes=3)
    high = promotion.qualifies(f, min_rank_score=0.5 + extra_score, min_effective_votes=3 + extra_votes)
    assert not (high is not None and low is None)


def test_a_flag_takes_a_pending_candidate_out_until_the_experts_decline_it(candidate, alice, erin):
    from forum import moderation

    moderation.post_flag(user=alice, post=candidate.answer, reason="wrong", note="Outdated firmware")
    candidate.refresh_from_db()
    assert (candidate.status, candidate.withdrawn_reason) == (CandidateStatus.WITHDRAWN, "answer flagged")
    moderation.flag_resolve(moderator=erin, post=candidate.answer, outcome="decline")
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.PENDING

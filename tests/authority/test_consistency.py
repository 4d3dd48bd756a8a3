"""Incremental updates and the full recompute agree exactly, whatever happened in between."""

import pytest

from forum import authority_store, services
from forum.models import Post, ProductAuthority, Vote
from tests.factories import UserFactory, make_answer, make_expert, make_question


def _assert_recompute_agrees():
    incremental = authority_store.snapshot()
    authority_store.recompute()
    full = authority_store.snapshot()
    assert full == incremental
    # And recomputing again changes nothing (idempotent).
    assert authority_store.recompute()["posts"] == 0
    assert authority_store.snapshot() == full


@pytest.fixture
def community(product, erin, clock):
    voters = [UserFactory(username=f"voter{i}") for i in range(8)]
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    question = make_question(author=alice, product=product)
    answers = [make_answer(question=question, author=author) for author in (bob, erin, voters[0])]
    return {"voters": voters, "alice": alice, "bob": bob, "erin": erin, "question": question, "answers": answers}


def test_votes_changes_and_undos_over_days_agree_with_full_recompute(community, clock, settings):
    # A low daily cap so that some days hit it and the cap's arithmetic is exercised.
    settings.WENDAO_AUTHORITY = {"daily_gain_cap": 25.0}
    voters, answers = community["voters"], community["answers"]
    for day in range(3):
        for i, voter in enumerate(voters[1:]):
            answer = answers[(i + day) % len(answers)]
            Post.objects.filter(pk=answer.pk).first()
            clock.advance(minutes=7)
            if not Vote.objects.filter(voter=voter, post=answer).exists():
                services.vote_cast(voter=voter, post=answer, value=1 if (i + day) % 3 else -1)
        clock.advance(days=1)
    # Change some votes (moves them to today), take some back.
    first_vote = Vote.objects.order_by("pk").first()
    services.vote_cast(voter=first_vote.voter, post=first_vote.post, value=-first_vote.value)
    last_vote = Vote.objects.order_by("-pk").first()
    services.vote_cast(voter=last_vote.voter, post=last_vote.post, value=0)
    _assert_recompute_agrees()
    assert ProductAuthority.objects.filter(user=community["bob"]).exists()


def test_acceptance_endorsement_deletion_and_restore_agree(community, clock, product):
    alice, erin, voters = community["alice"], community["erin"], community["voters"]
    bob_answer, erin_answer, voter_answer = community["answers"]
    services.vote_cast(voter=voters[1], post=bob_answer, value=1)
    services.answer_accept(user=alice, answer=bob_answer)
    clock.advance(days=2)
    services.answer_accept(user=alice, answer=voter_answer)  # the mark moves
    services.answer_endorse(expert=erin, answer=bob_answer, note="Checked on firmware 2.1")
    frank = make_expert(UserFactory(username="frank2"), product)
    services.answer_endorse(expert=frank, answer=bob_answer)
    services.endorsement_withdraw(expert=frank, answer=bob_answer)
    _assert_recompute_agrees()
    clock.advance(days=1)
    services.post_delete(user=erin, post=bob_answer)
    _assert_recompute_agrees()
    services.post_undelete(user=erin, post=Post.objects.get(pk=bob_answer.pk))
    services.answer_unaccept(user=alice, answer=Post.objects.get(pk=voter_answer.pk))
    _assert_recompute_agrees()
    assert Post.objects.get(pk=bob_answer.pk).endorsement_count == 1


def test_an_expert_role_granted_later_lifts_the_prior_of_their_answers(community, product):
    bob = community["bob"]
    bob_answer = community["answers"][0]
    before = Post.objects.get(pk=bob_answer.pk).rank_score
    make_expert(bob, product)
    after = Post.objects.get(pk=bob_answer.pk).rank_score
    assert after > before
    _assert_recompute_agrees()

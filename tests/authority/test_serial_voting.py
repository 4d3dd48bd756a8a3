"""Serial voting: bursts and rings are voided and logged; ordinary voting is left alone."""

import pytest
from django.core.management import call_command

from forum import authority_store, services
from forum.models import Post, ProductAuthority, ReversalKind, Vote, VoteReversal
from forum.tasks import serial_votes_reverse
from forum.voting_fraud import reverse_serial_votes
from tests.factories import UserFactory, make_answer, make_question


@pytest.fixture
def answers_by(product, clock):
    """``answers_by(user, n)``: n answers by ``user`` on n fresh questions."""

    def make(user, n):
        asker = UserFactory()
        return [make_answer(question=make_question(author=asker, product=product), author=user) for _ in range(n)]

    return make


def _anchor(user, product):
    return ProductAuthority.objects.filter(user=user, product=product).values_list("anchor", flat=True).first() or 0


def test_a_burst_is_voided_logged_and_taken_out_of_scores_once(product, clock, answers_by):
    bob, mallory = UserFactory(username="bob"), UserFactory(username="mallory")
    targets = answers_by(bob, 6)
    for answer in targets:
        clock.advance(minutes=3)
        services.vote_cast(voter=mallory, post=answer, value=1)
    assert _anchor(bob, product) > 0

    reversals = reverse_serial_votes()

    assert [(r.kind, r.voter, r.author, r.vote_count) for r in reversals] == [(ReversalKind.BURST, mallory, bob, 6)]
    assert Vote.objects.filter(voter=mallory, voided_at__isnull=False).count() == 6
    assert all(p.score == 0 and p.upvotes == 0 and p.weighted_up == 0 for p in Post.objects.filter(author=bob))
    assert _anchor(bob, product) == 0
    # Idempotent: nothing new the second time, and the index still equals a full recompute.
    assert reverse_serial_votes() == []
    before = authority_store.snapshot()
    authority_store.recompute()
    assert authority_store.snapshot() == before


def test_a_ring_of_three_accounts_is_reversed(product, clock, answers_by):
    ring = [UserFactory(username=f"ring{i}") for i in range(3)]
    posts = {user.pk: answers_by(user, 3) for user in ring}
    # Each votes for the next one's three answers, a few days apart: no burst, but a cycle.
    for round_ in range(3):
        for i, voter in enumerate(ring):
            target = ring[(i + 1) % 3]
            services.vote_cast(voter=voter, post=posts[target.pk][round_], value=1)
        clock.advance(days=3)

    reversals = reverse_serial_votes()

    assert sorted((r.voter.username, r.author.username) for r in reversals) == [
        ("ring0", "ring1"),
        ("ring1", "ring2"),
        ("ring2", "ring0"),
    ]
    assert {r.kind for r in reversals} == {ReversalKind.RING}
    assert not Vote.objects.filter(voided_at__isnull=True, voter__in=ring).exists()


def test_two_accounts_trading_votes_are_a_ring(product, clock, answers_by):
    ann, ben = UserFactory(username="ann"), UserFactory(username="ben")
    ann_posts, ben_posts = answers_by(ann, 3), answers_by(ben, 3)
    for a_post, b_post in zip(ann_posts, ben_posts, strict=True):
        services.vote_cast(voter=ben, post=a_post, value=1)
        services.vote_cast(voter=ann, post=b_post, value=1)
        clock.advance(days=2)
    reversals = reverse_serial_votes()
    assert sorted((r.voter_id, r.author_id) for r in reversals) == sorted([(ann.pk, ben.pk), (ben.pk, ann.pk)])


def test_ordinary_voting_is_left_alone(product, clock, answers_by):
    authors = [UserFactory(username=f"author{i}") for i in range(4)]
    posts = {a.pk: answers_by(a, 4) for a in authors}
    voters = [UserFactory(username=f"reader{i}") for i in range(10)]
    # Readers vote on what they read: a couple of posts each, spread over authors and days.
    for i, voter in enumerate(voters):
        for j in range(2):
            author = authors[(i + j) % 4]
            services.vote_cast(voter=voter, post=posts[author.pk][(i + j) % 4], value=1 if j == 0 else -1)
        clock.advance(hours=5)
    # A fan upvotes three of one author's answers in one evening (under the burst threshold) ...
    for answer in posts[authors[0].pk][1:4]:
        if not Vote.objects.filter(voter=voters[9], post=answer).exists():
            services.vote_cast(voter=voters[9], post=answer, value=1)
    # ... and two authors upvote each other once (a thank-you, not a ring).
    services.vote_cast(voter=authors[1], post=posts[authors[2].pk][0], value=1)
    services.vote_cast(voter=authors[2], post=posts[authors[1].pk][0], value=1)

    assert reverse_serial_votes() == []
    assert not Vote.objects.filter(voided_at__isnull=False).exists()


def test_the_command_and_the_task_reverse_and_report(product, clock, answers_by, capsys):
    bob, mallory = UserFactory(username="bob"), UserFactory(username="mallory")
    for answer in answers_by(bob, 5):
        services.vote_cast(voter=mallory, post=answer, value=-1)
    call_command("reverse_serial_votes", "--dry-run")
    assert "1 case(s) would be reversed." in capsys.readouterr().out
    assert not VoteReversal.objects.exists()
    assert serial_votes_reverse.delay().get() == 1
    call_command("reverse_serial_votes")
    assert "0 case(s) reversed." in capsys.readouterr().out
    assert Post.objects.filter(author=bob, downvotes=0, score=0).count() == 5

"""Moderation services: each action for the allowed and the refused role, and bad input."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from forum import moderation, permissions, services
from forum.models import Flag, FlagStatus, ModerationAction, ModerationLog, Post
from tests.factories import UserFactory, make_answer, make_question


@pytest.fixture
def question(product, alice):
    return make_question(author=alice, product=product, title="Router keeps rebooting")


@pytest.fixture
def answer(question, bob):
    return make_answer(question=question, author=bob)


def _actions(post) -> list[str]:
    return list(ModerationLog.objects.filter(post=post).order_by("pk").values_list("action", flat=True))


# --- Flags -------------------------------------------------------------------------------------


def test_a_customer_flags_a_post_and_it_is_logged(answer, alice):
    flag = moderation.post_flag(user=alice, post=answer, reason="wrong", note="Firmware 2 changed this")
    assert flag.status == FlagStatus.OPEN
    entry = ModerationLog.objects.get(post=answer)
    assert (entry.actor, entry.action, entry.reason) == (alice, ModerationAction.FLAG, "Firmware 2 changed this")
    assert moderation.has_open_flags(answer)


def test_flagging_twice_or_ones_own_post_is_refused(answer, alice, bob):
    moderation.post_flag(user=alice, post=answer, reason="spam")
    with pytest.raises(ValidationError, match="already flagged"):
        moderation.post_flag(user=alice, post=answer, reason="rude")
    with pytest.raises(PermissionDenied):
        moderation.post_flag(user=bob, post=answer, reason="spam")
    assert Flag.objects.count() == 1


def test_a_flag_needs_a_known_reason_and_other_needs_words(answer, alice):
    with pytest.raises(ValidationError):
        moderation.post_flag(user=alice, post=answer, reason="boring")
    with pytest.raises(ValidationError, match="say what is wrong"):
        moderation.post_flag(user=alice, post=answer, reason="other")


def test_enough_flags_hide_the_post_until_review(settings, answer, product):
    settings.WENDAO_FLAGS_TO_HIDE = 3
    reporters = UserFactory.create_batch(3)
    for reporter in reporters[:2]:
        moderation.post_flag(user=reporter, post=answer, reason="spam")
    assert Post.objects.get(pk=answer.pk).hidden_at is None
    moderation.post_flag(user=reporters[2], post=answer, reason="spam")
    hidden = Post.objects.get(pk=answer.pk)
    assert hidden.hidden_at is not None
    assert ModerationLog.objects.filter(post=answer, action=ModerationAction.HIDE, actor__isnull=True).count() == 1
    # Readers no longer see it; its author and the product's experts still do.
    assert permissions.refusal(UserFactory(), "post.view", hidden)
    assert permissions.allowed(answer.author, "post.view", hidden)


def test_an_expert_resolves_flags_and_the_post_shows_again(settings, answer, erin):
    settings.WENDAO_FLAGS_TO_HIDE = 1
    moderation.post_flag(user=UserFactory(), post=answer, reason="rude")
    assert moderation.flag_resolve(moderator=erin, post=answer, outcome="decline", reason="Not rude") == 1
    answer.refresh_from_db()
    assert answer.hidden_at is None
    assert Flag.objects.get().status == FlagStatus.DECLINED
    assert _actions(answer)[-1] == ModerationAction.FLAGS_DECLINED
    with pytest.raises(ValidationError, match="no open flags"):
        moderation.flag_resolve(moderator=erin, post=answer, outcome="keep")


def test_upholding_a_flag_with_delete_soft_deletes_the_post(answer, erin):
    moderation.post_flag(user=UserFactory(), post=answer, reason="spam")
    moderation.flag_resolve(moderator=erin, post=answer, outcome="delete", reason="Spam link")
    answer.refresh_from_db()
    assert answer.is_deleted
    assert Flag.objects.get().status == FlagStatus.HELPFUL
    assert ModerationAction.DELETE in _actions(answer)


def test_customers_and_other_experts_cannot_resolve_flags(answer, alice, frank):
    moderation.post_flag(user=UserFactory(), post=answer, reason="spam")
    for user in (alice, frank):
        with pytest.raises(PermissionDenied):
            moderation.flag_resolve(moderator=user, post=answer, outcome="delete")
    assert Flag.objects.get().status == FlagStatus.OPEN


# --- Close, reopen, duplicates ---------------------------------------------------------------


def test_an_expert_closes_and_reopens_with_reasons(question, erin):
    moderation.question_close(moderator=erin, question=question, reason="Not about the router")
    question.refresh_from_db()
    assert question.is_closed and question.closed_reason == "Not about the router"
    with pytest.raises(ValidationError, match="already closed"):
        moderation.question_close(moderator=erin, question=question, reason="Again")
    moderation.question_reopen(moderator=erin, question=question, reason="It is, after all")
    question.refresh_from_db()
    assert not question.is_closed
    with pytest.raises(ValidationError, match="not closed"):
        moderation.question_reopen(moderator=erin, question=question)
    assert _actions(question) == [ModerationAction.CLOSE, ModerationAction.REOPEN]
    entry = ModerationLog.objects.filter(post=question).first()
    assert entry.actor == erin and entry.created_at is not None


def test_closing_needs_a_reason(question, erin):
    with pytest.raises(ValidationError, match="reason"):
        moderation.question_close(moderator=erin, question=question, reason="   ")


def test_customers_and_other_experts_cannot_close(question, alice, frank):
    for user in (alice, frank):
        with pytest.raises(PermissionDenied):
            moderation.question_close(moderator=user, question=question, reason="No")
    question.refresh_from_db()
    assert not question.is_closed


def test_closed_questions_take_no_new_answers_from_customers(question, erin, bob):
    moderation.question_close(moderator=erin, question=question, reason="Off topic")
    question.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.answer_post(author=bob, question=question, body="Still an answer, though.")


def test_marking_a_duplicate_links_both_ways(product, question, erin, bob):
    copy = make_question(author=bob, product=product, title="My router reboots all the time")
    moderation.question_mark_duplicate(moderator=erin, question=copy, original=question, reason="Same problem")
    copy.refresh_from_db()
    assert copy.duplicate_of == question and copy.is_closed
    assert list(moderation.duplicates_of(question)) == [copy]
    entry = ModerationLog.objects.get(post=copy)
    assert entry.details["original"] == question.pk


def test_duplicate_chains_are_flattened(product, question, erin, bob):
    middle = make_question(author=bob, product=product, title="Router restarts by itself")
    late = make_question(author=bob, product=product, title="Router restarts again and again")
    moderation.question_mark_duplicate(moderator=erin, question=late, original=middle)
    moderation.question_mark_duplicate(moderator=erin, question=middle, original=question)
    assert set(moderation.duplicates_of(question)) == {middle, late}
    with pytest.raises(ValidationError, match="itself a duplicate"):
        moderation.question_mark_duplicate(
            moderator=erin, question=make_question(author=bob, product=product), original=late
        )


def test_duplicate_bad_input_changes_nothing(product, other_product, question, erin, bob):
    with pytest.raises(ValidationError, match="itself"):
        moderation.question_mark_duplicate(moderator=erin, question=question, original=question)
    elsewhere = make_question(author=bob, product=other_product, title="Camera question here")
    with pytest.raises(ValidationError, match="same product"):
        moderation.question_mark_duplicate(moderator=erin, question=question, original=elsewhere)
    question.refresh_from_db()
    assert question.duplicate_of is None and not question.is_closed
    assert not ModerationLog.objects.exists()


def test_other_experts_cannot_mark_duplicates(product, question, frank, bob):
    copy = make_question(author=bob, product=product, title="Another copy of the question")
    with pytest.raises(PermissionDenied):
        moderation.question_mark_duplicate(moderator=frank, question=copy, original=question)


def test_reopening_a_duplicate_removes_the_link(product, question, erin, bob):
    copy = make_question(author=bob, product=product, title="Copy that will be reopened")
    moderation.question_mark_duplicate(moderator=erin, question=copy, original=question)
    moderation.question_reopen(moderator=erin, question=copy, reason="Different model")
    assert not moderation.duplicates_of(question).exists()


# --- Comments ------------------------------------------------------------------------------


def test_locked_comments_refuse_customers_but_not_experts(question, erin, bob):
    moderation.comments_lock(moderator=erin, post=question, reason="Heated thread")
    question.refresh_from_db()
    with pytest.raises(PermissionDenied, match="locked"):
        services.comment_add(author=bob, post=question, body="One more thing")
    services.comment_add(author=erin, post=question, body="Experts may still clarify")
    with pytest.raises(ValidationError, match="already locked"):
        moderation.comments_lock(moderator=erin, post=question, reason="Twice")
    moderation.comments_unlock(moderator=erin, post=question)
    question.refresh_from_db()
    services.comment_add(author=bob, post=question, body="Thanks for reopening")
    assert _actions(question) == [ModerationAction.LOCK, ModerationAction.UNLOCK]


def test_customers_cannot_lock_comments(question, bob, frank):
    for user in (bob, frank):
        with pytest.raises(PermissionDenied):
            moderation.comments_lock(moderator=user, post=question, reason="Quiet")


# --- Revisions -----------------------------------------------------------------------------


def test_rollback_restores_an_earlier_revision_as_a_new_one(question, erin, alice):
    services.post_edit(editor=alice, post=question, body="Vandalised text, nothing useful.", reason="oops")
    first = question.revisions.get(number=1)
    revision = moderation.post_rollback(user=erin, post=question, revision=first, reason="Vandalism")
    question.refresh_from_db()
    assert question.body == first.body
    assert revision.number == 3 and "revision 1" in revision.reason
    log = ModerationLog.objects.get(post=question)
    assert (log.action, log.details["to_revision"]) == (ModerationAction.ROLLBACK, 1)


def test_rollback_to_another_posts_revision_or_the_current_one_is_refused(product, question, erin, bob):
    other = make_question(author=bob, product=product, title="Some other question")
    services.post_edit(editor=erin, post=question, body="An expert's clearer text here.", reason="clarity")
    with pytest.raises(ValidationError, match="another post"):
        moderation.post_rollback(user=erin, post=question, revision=other.revisions.get(number=1))
    with pytest.raises(ValidationError, match="already the current"):
        moderation.post_rollback(user=erin, post=question, revision=question.revisions.get(number=2))
    assert question.revisions.count() == 2


def test_a_customer_cannot_roll_back_someone_elses_post(question, erin, bob):
    services.post_edit(editor=erin, post=question, body="An expert's clearer text here.", reason="clarity")
    with pytest.raises(PermissionDenied):
        moderation.post_rollback(user=bob, post=question, revision=question.revisions.get(number=1))


# --- Existing services an expert uses are logged with the reason ------------------------------


def test_expert_edit_delete_undelete_and_endorse_are_logged(answer, erin):
    services.post_edit(editor=erin, post=answer, body="A corrected, complete answer.", reason="Fix the steps")
    services.post_delete(user=erin, post=answer, reason="Wrong product")
    services.post_undelete(user=erin, post=answer, reason="Right product after all")
    services.answer_endorse(expert=erin, answer=answer, note="Verified on v2")
    services.endorsement_withdraw(expert=erin, answer=answer)
    rows = list(ModerationLog.objects.filter(post=answer).order_by("pk").values_list("action", "reason"))
    assert rows == [
        (ModerationAction.EDIT, "Fix the steps"),
        (ModerationAction.DELETE, "Wrong product"),
        (ModerationAction.UNDELETE, "Right product after all"),
        (ModerationAction.ENDORSE, "Verified on v2"),
        (ModerationAction.UNENDORSE, ""),
    ]


def test_authors_editing_their_own_posts_is_not_moderation(answer, bob):
    services.post_edit(editor=bob, post=answer, body="My own clearer answer text.", reason="typo")
    services.post_delete(user=bob, post=answer)
    assert not ModerationLog.objects.exists()

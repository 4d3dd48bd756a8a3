"""Posting or patching read-only fields changes nothing: no input serializer has them."""

import pytest
from django.utils import timezone

from forum import services
from forum.models import (
    Comment,
    Endorsement,
    Flag,
    FlagStatus,
    ModerationAction,
    ModerationLog,
    Notification,
    NotificationPreference,
    Post,
    Revision,
    RoleAssignment,
    User,
    Vote,
)

from ..factories import make_answer, make_question

pytestmark = pytest.mark.django_db

V1 = "/api/v1"

# Everything a client might try to set that only Wendao may set.
FORGED = {
    "id": 987654,
    "score": 999,
    "upvotes": 999,
    "downvotes": 7,
    "rank_score": 99.0,
    "effective_votes": 99.0,
    "view_count": 12345,
    "answer_count": 50,
    "comment_count": 50,
    "is_accepted": True,
    "accepted_at": "2001-01-01T00:00:00Z",
    "has_accepted_answer": True,
    "is_closed": True,
    "closed_at": "2001-01-01T00:00:00Z",
    "is_deleted": True,
    "deleted_at": "2001-01-01T00:00:00Z",
    "created_at": "2001-01-01T00:00:00Z",
    "edited_at": "2001-01-01T00:00:00Z",
    "author": {"id": 1, "username": "root", "role": "expert"},
    "author_id": 1,
    "role": "expert",
    "endorsements": [{"expert": {"id": 1}, "note": "forged"}],
    "kind": "q",
    "question": None,
    "duplicate_of": 1,
    "body_html": "<script>alert(1)</script>",
}

PROTECTED_POST_FIELDS = [
    "author_id",
    "product_id",
    "question_id",
    "kind",
    "score",
    "upvotes",
    "downvotes",
    "rank_score",
    "effective_votes",
    "view_count",
    "answer_count",
    "comment_count",
    "is_accepted",
    "accepted_at",
    "has_accepted_answer",
    "closed_at",
    "deleted_at",
    "created_at",
    "duplicate_of_id",
]


def _protected(post) -> dict:
    post.refresh_from_db()
    return {name: getattr(post, name) for name in PROTECTED_POST_FIELDS}


def test_asking_ignores_forged_fields(alice_api, alice, bob, product, other_product):
    response = alice_api.post(
        f"{V1}/questions/",
        {**FORGED, "author": bob.pk, "product": "router", "title": "A real question title", "body": "A real body."},
    )
    assert response.status_code == 201, response.json()
    question = Post.objects.get()
    assert question.pk != FORGED["id"] and question.author == alice and question.product == product
    assert (question.score, question.upvotes, question.view_count, question.answer_count) == (0, 0, 0, 0)
    assert question.rank_score != FORGED["rank_score"] and question.effective_votes == 0.0
    assert not question.is_accepted and not question.has_accepted_answer
    assert question.closed_at is None and question.deleted_at is None and question.duplicate_of is None
    assert timezone.now() - question.created_at < timezone.timedelta(minutes=1)
    assert "<script>" not in question.body_html


def test_editing_a_question_changes_only_its_text(alice_api, question, other_product):
    before = _protected(question)
    response = alice_api.patch(
        f"{V1}/questions/{question.pk}/", {**FORGED, "product": "camera", "title": "A clearly better title"}
    )
    assert response.status_code == 200, response.json()
    assert _protected(question) == before
    assert question.title == "A clearly better title"


def test_answering_and_editing_an_answer_ignore_forged_fields(bob_api, bob, question, alice):
    other_question = make_question(author=alice, product=question.product, title="Another question here")
    response = bob_api.post(
        f"{V1}/questions/{question.pk}/answers/",
        {**FORGED, "question": other_question.pk, "body": "An honest answer text."},
    )
    assert response.status_code == 201, response.json()
    answer = Post.objects.get(pk=response.json()["id"])
    assert answer.question == question and answer.author == bob and not answer.is_accepted
    assert answer.score == 0 and answer.rank_score != FORGED["rank_score"]
    before = _protected(answer)
    response = bob_api.patch(f"{V1}/answers/{answer.pk}/", {**FORGED, "body": "An honest, edited answer."})
    assert response.status_code == 200, response.json()
    assert _protected(answer) == before


def test_voting_cannot_set_the_score_or_the_voter(alice_api, alice, answer, bob):
    response = alice_api.post(f"{V1}/posts/{answer.pk}/vote/", {**FORGED, "value": 1, "voter": bob.pk})
    assert response.status_code == 200
    answer.refresh_from_db()
    assert (answer.score, answer.upvotes, answer.downvotes) == (1, 1, 0)
    assert Vote.objects.get().voter == alice


def test_commenting_cannot_pick_author_post_or_time(alice_api, alice, question, answer):
    response = alice_api.post(
        f"{V1}/posts/{question.pk}/comments/", {**FORGED, "post": answer.pk, "body": "A plain comment."}
    )
    assert response.status_code == 201
    comment = Comment.objects.get()
    assert comment.author == alice and comment.post_id == question.pk
    assert timezone.now() - comment.created_at < timezone.timedelta(minutes=1)


def test_endorsing_cannot_endorse_in_someone_elses_name(erin_api, erin, answer, frank):
    response = erin_api.post(f"{V1}/answers/{answer.pk}/endorsement/", {**FORGED, "expert": frank.pk, "note": "ok"})
    assert response.status_code == 200
    assert Endorsement.objects.get().expert == erin


def test_profile_edits_cannot_grant_roles_or_rename(alice_api, alice):
    response = alice_api.patch(
        f"{V1}/me/",
        {
            "username": "root",
            "email": "evil@example.com",
            "is_staff": True,
            "is_superuser": True,
            "is_active": False,
            "date_joined": "2001-01-01T00:00:00Z",
            "roles": [{"role": "admin", "product": None}],
            "expert_of": ["router"],
            "bio": "Just a customer.",
        },
    )
    assert response.status_code == 200, response.json()
    user = User.objects.get(pk=alice.pk)
    assert (user.username, user.email, user.is_staff, user.is_superuser, user.is_active) == (
        "alice",
        "alice@example.com",
        False,
        False,
        True,
    )
    assert user.bio == "Just a customer."
    assert not RoleAssignment.objects.filter(user=user).exists()


# --- Flags, moderation and notifications --------------------------------------------------------

FORGED_MODERATION = {
    **FORGED,
    "reporter": 1,
    "resolved_by": 1,
    "resolved_at": "2001-01-01T00:00:00Z",
    "status": "helpful",
    "post": 1,
    "actor": 1,
    "number": 99,
    "comments_locked": True,
    "is_hidden": False,
    "closed_reason": "forged",
}


def test_flagging_cannot_pick_reporter_status_or_post(alice_api, alice, answer, question, erin):
    response = alice_api.post(
        f"{V1}/posts/{answer.pk}/flags/", {**FORGED_MODERATION, "post": question.pk, "reason": "spam"}
    )
    assert response.status_code == 201, response.json()
    flag = Flag.objects.get()
    assert (flag.reporter, flag.post_id, flag.status) == (alice, answer.pk, FlagStatus.OPEN)
    assert flag.resolved_by is None and flag.resolved_at is None
    assert timezone.now() - flag.created_at < timezone.timedelta(minutes=1)


def test_resolving_flags_records_the_real_moderator(alice_api, erin_api, erin, answer, root):
    alice_api.post(f"{V1}/posts/{answer.pk}/flags/", {"reason": "spam"})
    response = erin_api.post(
        f"{V1}/posts/{answer.pk}/flags/resolve/", {**FORGED_MODERATION, "resolved_by": root.pk, "outcome": "decline"}
    )
    assert response.status_code == 200, response.json()
    flag = Flag.objects.get()
    assert (flag.resolved_by, flag.status) == (erin, FlagStatus.DECLINED)
    assert timezone.now() - flag.resolved_at < timezone.timedelta(minutes=1)


def test_moderation_actions_change_only_what_they_are_for(erin_api, erin, question, alice):
    before = _protected(question)
    response = erin_api.post(f"{V1}/questions/{question.pk}/close/", {**FORGED_MODERATION, "reason": "Off topic"})
    assert response.status_code == 200, response.json()
    after = _protected(question)
    assert timezone.now() - after.pop("closed_at") < timezone.timedelta(minutes=1)
    before.pop("closed_at")
    assert after == before
    assert question.closed_reason == "Off topic" and question.comments_locked_at is None
    entry = ModerationLog.objects.get(post=question)
    assert entry.actor == erin and entry.action == ModerationAction.CLOSE

    services.post_edit(editor=alice, post=question, body="A vandalised body text.")
    response = erin_api.post(f"{V1}/posts/{question.pk}/rollback/", {**FORGED_MODERATION, "revision": 1})
    assert response.status_code == 201, response.json()
    revision = Revision.objects.order_by("-number").first()
    assert (revision.number, revision.author) == (3, erin)


def test_notification_settings_and_reads_cannot_touch_other_fields(alice_api, alice, bob, question):
    response = alice_api.patch(
        f"{V1}/notifications/preferences/",
        {"user": bob.pk, "id": 987654, "last_digest_at": "2001-01-01T00:00:00Z", "email_answer": False},
    )
    assert response.status_code == 200, response.json()
    preference = NotificationPreference.objects.get()
    assert preference.user == alice and preference.last_digest_at is None and not preference.email_answer
    assert preference.pk != 987654

    make_answer(question=question, author=bob, body="Update the firmware to 2.1 first.")
    notification = Notification.objects.get()
    response = alice_api.post(
        f"{V1}/notifications/{notification.pk}/read/",
        {"recipient": bob.pk, "read_at": "2001-01-01T00:00:00Z", "kind": "mention", "post": question.pk},
    )
    assert response.status_code == 200
    notification.refresh_from_db()
    assert notification.recipient == alice and notification.kind == "answer"
    assert notification.post_id != question.pk
    assert timezone.now() - notification.read_at < timezone.timedelta(minutes=1)

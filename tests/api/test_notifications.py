"""A person's notifications and email settings through the API, with token authentication."""

import pytest

from forum import services
from forum.models import Notification, NotificationPreference

from ..factories import make_answer, make_question

pytestmark = pytest.mark.django_db

V1 = "/api/v1"


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"status", "code", "message", "fields"} and body["status"] == status
    return body


def test_answers_and_comments_arrive_in_the_inbox(alice_api, question, bob):
    answer = make_answer(question=question, author=bob, body="Update the firmware to 2.1 first.")
    services.comment_add(author=bob, post=question, body="Which model, @alice?")
    response = alice_api.get(f"{V1}/notifications/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["kind"] for row in rows] == ["comment", "answer"]  # newest first
    latest, first = rows
    assert latest["comment"] is not None and latest["post"]["id"] == question.pk
    assert first["message"] == f"bob answered your question “{question.title}”."
    assert first["actor"]["username"] == "bob" and first["is_read"] is False and first["read_at"] is None
    assert first["post"]["id"] == answer.pk and first["post"]["kind"] == "answer"
    assert first["post"]["html_url"].endswith(f"/q/{question.pk}/#answer-{answer.pk}")
    assert alice_api.get(f"{V1}/notifications/unread-count/").json() == {"unread": 2}


def test_messages_follow_the_requests_language(alice_api, question, bob):
    make_answer(question=question, author=bob, body="Update the firmware to 2.1 first.")
    row = alice_api.get(f"{V1}/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["results"][0]
    assert "回答" in row["message"], row["message"]


def test_mark_one_then_all_read(alice_api, bob_api, question, bob):
    for i in range(3):
        make_answer(question=question, author=bob, body=f"Answer number {i} with enough text.")
    first = Notification.objects.filter(recipient__username="alice").order_by("pk").first()
    response = alice_api.post(f"{V1}/notifications/{first.pk}/read/")
    assert response.status_code == 200
    assert response.json()["id"] == first.pk and response.json()["is_read"] is True
    assert response.json()["read_at"] is not None
    assert alice_api.get(f"{V1}/notifications/unread-count/").json() == {"unread": 2}
    assert [row["id"] for row in alice_api.get(f"{V1}/notifications/", {"unread": "true"}).json()["results"]] == [
        n.pk for n in Notification.objects.filter(read_at__isnull=True).order_by("-pk")
    ]
    assert len(alice_api.get(f"{V1}/notifications/", {"unread": "false"}).json()["results"]) == 1

    response = alice_api.post(f"{V1}/notifications/read-all/")
    assert response.json() == {"marked": 2, "unread": 0}
    assert alice_api.post(f"{V1}/notifications/read-all/").json() == {"marked": 0, "unread": 0}


def test_someone_elses_notification_is_refused(alice_api, bob_api, question, bob):
    make_answer(question=question, author=bob, body="Update the firmware to 2.1 first.")
    notification = Notification.objects.get()
    body = _error(bob_api.post(f"{V1}/notifications/{notification.pk}/read/"), 403)
    assert body["message"] == "This notification is someone else's."
    assert Notification.objects.get().read_at is None
    _error(alice_api.post(f"{V1}/notifications/987654321/read/"), 404)


def test_bad_filters_and_anonymous_requests(alice_api, anon_api):
    assert list(_error(alice_api.get(f"{V1}/notifications/", {"unread": "perhaps"}), 400)["fields"]) == ["unread"]
    _error(alice_api.get(f"{V1}/notifications/", {"cursor": "garbage"}), 404)
    for path in ("notifications/", "notifications/unread-count/", "notifications/preferences/"):
        assert _error(anon_api.get(f"{V1}/{path}"), 401)["code"] == "not_authenticated"
    _error(anon_api.post(f"{V1}/notifications/read-all/"), 401)


def test_inbox_pages_with_a_cursor(alice_api, alice, product, bob):
    question = make_question(author=alice, product=product, title="A question with many answers")
    for i in range(5):
        make_answer(question=question, author=bob, body=f"Answer number {i} with enough text.")
    seen, url = [], f"{V1}/notifications/?page_size=2"
    while url:
        page = alice_api.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == list(Notification.objects.order_by("-created_at", "-pk").values_list("pk", flat=True))
    assert len(seen) == 5


def test_read_and_change_email_preferences(alice_api, alice):
    defaults = alice_api.get(f"{V1}/notifications/preferences/").json()
    assert defaults["email_enabled"] is True and defaults["email_followed"] is False
    assert defaults["daily_digest"] is False
    assert not NotificationPreference.objects.exists()  # reading saves nothing

    response = alice_api.patch(f"{V1}/notifications/preferences/", {"daily_digest": True, "email_comment": False})
    assert response.status_code == 200, response.json()
    assert response.json() == defaults | {"daily_digest": True, "email_comment": False}
    saved = NotificationPreference.objects.get(user=alice)
    assert saved.daily_digest and not saved.email_comment and saved.email_answer

    body = _error(alice_api.patch(f"{V1}/notifications/preferences/", {"daily_digest": "sometimes"}), 400)
    assert list(body["fields"]) == ["daily_digest"]
    _error(alice_api.patch(f"{V1}/notifications/preferences/", ["daily_digest"]), 400)
    assert NotificationPreference.objects.get(user=alice).daily_digest


def test_the_lists_make_a_constant_number_of_queries(alice_api, erin_api, alice, bob, product):
    """Inbox, flag queue and moderation log read their rows' people and posts with the rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from forum import moderation

    def grow():
        question = make_question(author=alice, product=product, title="Another question to answer")
        answer = make_answer(question=question, author=bob, body="An answer with enough text.")
        moderation.post_flag(user=alice, post=answer, reason="spam")

    def counts() -> list[int]:
        found = []
        for client, path in (
            (alice_api, "notifications/"),
            (erin_api, "products/router/flags/"),
            (erin_api, "products/router/moderation-log/"),
        ):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(f"{V1}/{path}").status_code == 200
            found.append(len(queries.captured_queries))
        return found

    grow()
    counts()  # warm the role and expert caches, as on a live site
    few = counts()
    for _ in range(5):
        grow()
    assert counts() == few


def test_follow_a_product_or_a_tag_and_stop(alice_api, bob_api, alice, bob, product, other_product):
    from forum.models import Follow

    from ..factories import TagFactory

    TagFactory(product=product, name="固件")
    response = alice_api.post(f"{V1}/notifications/follows/", {"product": "router", "tag": " 固件 "})
    assert response.status_code == 201, response.json()
    assert response.json()["product"] == "router" and response.json()["tag"] == "固件"
    whole = alice_api.post(f"{V1}/notifications/follows/", {"product": "camera"}).json()
    assert whole["tag"] is None
    listed = alice_api.get(f"{V1}/notifications/follows/").json()["results"]
    assert {(row["product"], row["tag"]) for row in listed} == {("router", "固件"), ("camera", None)}

    # A new question under the tag now notifies alice.
    make_question(author=bob, product=product, title="固件升级失败", tags=["固件"])
    assert alice_api.get(f"{V1}/notifications/").json()["results"][0]["kind"] == "followed"

    assert (
        "already follow"
        in _error(alice_api.post(f"{V1}/notifications/follows/", {"product": "camera"}), 400)["message"]
    )
    assert _error(alice_api.post(f"{V1}/notifications/follows/", {"product": "router", "tag": "nope"}), 400)[
        "fields"
    ] == {"tag": ["Wendao Router has no tag “nope”."]}
    assert "product" in _error(alice_api.post(f"{V1}/notifications/follows/", {"product": "nope"}), 400)["fields"]

    _error(bob_api.delete(f"{V1}/notifications/follows/{whole['id']}/"), 404)
    assert alice_api.delete(f"{V1}/notifications/follows/{whole['id']}/").status_code == 204
    _error(alice_api.delete(f"{V1}/notifications/follows/{whole['id']}/"), 404)
    assert list(Follow.objects.values_list("user__username", "product__slug")) == [("alice", "router")]


def test_following_cannot_follow_for_someone_else(alice_api, alice, bob, product):
    from forum.models import Follow

    response = alice_api.post(
        f"{V1}/notifications/follows/", {"product": "router", "user": bob.pk, "id": 987654, "created_at": "2001-01-01"}
    )
    assert response.status_code == 201
    follow = Follow.objects.get()
    assert follow.user == alice and follow.pk != 987654 and follow.created_at.year > 2001

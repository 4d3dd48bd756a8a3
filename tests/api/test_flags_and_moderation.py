"""Flags and the experts' moderation actions through the API, with token authentication.

``erin`` is the expert of ``product`` (where alice's ``question`` and bob's ``answer`` are);
``frank`` is the expert of another product and may do none of this here.
"""

import pytest
from django.test import override_settings

from forum import moderation, services
from forum.models import Flag, FlagStatus, ModerationAction, ModerationLog, Post

from ..factories import make_question

pytestmark = pytest.mark.django_db

V1 = "/api/v1"


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"status", "code", "message", "fields"} and body["status"] == status
    return body


# --- Flags ----------------------------------------------------------------------------------------


def test_flag_a_post_then_the_expert_sees_it_in_the_queue(alice_api, erin_api, answer, alice):
    response = alice_api.post(f"{V1}/posts/{answer.pk}/flags/", {"reason": "wrong", "note": "已过时 Outdated"})
    assert response.status_code == 201, response.json()
    flag = response.json()
    assert (flag["reason"], flag["note"], flag["status"]) == ("wrong", "已过时 Outdated", "open")
    assert flag["reporter"]["username"] == "alice" and flag["resolved_by"] is None
    assert flag["post"] == {
        "id": answer.pk,
        "kind": "answer",
        "question": answer.question_id,
        "title": answer.question.title,
        "is_deleted": False,
        "is_hidden": False,
        "html_url": f"http://testserver/q/{answer.question_id}/#answer-{answer.pk}",
    }
    assert Flag.objects.get().reporter == alice

    queue = erin_api.get(f"{V1}/products/router/flags/").json()
    assert [row["id"] for row in queue["results"]] == [flag["id"]]
    assert erin_api.get(f"{V1}/products/router/flags/", {"status": "declined"}).json()["results"] == []


def test_flag_refusals_say_why(alice_api, bob_api, answer):
    _error(alice_api.post(f"{V1}/posts/{answer.pk}/flags/", {"reason": "nonsense"}), 400)
    body = _error(alice_api.post(f"{V1}/posts/{answer.pk}/flags/", {"reason": "other"}), 400)
    assert "say what is wrong" in body["message"]
    body = _error(bob_api.post(f"{V1}/posts/{answer.pk}/flags/", {"reason": "spam"}), 403)
    assert body["message"] == "You cannot flag your own post; edit or delete it instead."
    assert alice_api.post(f"{V1}/posts/{answer.pk}/flags/", {"reason": "spam"}).status_code == 201
    body = _error(alice_api.post(f"{V1}/posts/{answer.pk}/flags/", {"reason": "rude"}), 400)
    assert "already flagged" in body["message"]
    _error(alice_api.post(f"{V1}/posts/987654321/flags/", {"reason": "spam"}), 404)
    assert Flag.objects.count() == 1


@override_settings(WENDAO_FLAGS_TO_HIDE=1)
def test_resolving_flags_shows_the_post_again(alice_api, erin_api, frank_api, answer):
    alice_api.post(f"{V1}/posts/{answer.pk}/flags/", {"reason": "spam"})
    assert Post.objects.get(pk=answer.pk).hidden_at is not None
    _error(frank_api.post(f"{V1}/posts/{answer.pk}/flags/resolve/", {"outcome": "decline"}), 403)
    body = _error(erin_api.post(f"{V1}/posts/{answer.pk}/flags/resolve/", {"outcome": "ban"}), 400)
    assert "outcome" in body["fields"]

    response = erin_api.post(f"{V1}/posts/{answer.pk}/flags/resolve/", {"outcome": "decline", "reason": "Not spam"})
    assert response.status_code == 200, response.json()
    assert response.json()["resolved"] == 1
    assert response.json()["post"]["is_hidden"] is False and response.json()["post"]["is_deleted"] is False
    assert Flag.objects.get().status == FlagStatus.DECLINED

    body = _error(erin_api.post(f"{V1}/posts/{answer.pk}/flags/resolve/", {"outcome": "keep"}), 400)
    assert body["message"] == "This post has no open flags."
    done = erin_api.get(f"{V1}/products/router/flags/", {"status": "declined"}).json()["results"]
    assert done[0]["resolved_by"]["username"] == "erin" and done[0]["resolved_by"]["role"] == "expert"


def test_resolving_with_delete_deletes_the_post(alice_api, erin_api, answer):
    alice_api.post(f"{V1}/posts/{answer.pk}/flags/", {"reason": "spam"})
    response = erin_api.post(f"{V1}/posts/{answer.pk}/flags/resolve/", {"outcome": "delete", "reason": "Spam"})
    assert response.status_code == 200
    assert response.json()["post"]["is_deleted"] is True
    assert Flag.objects.get().status == FlagStatus.HELPFUL


def test_the_flag_queue_is_for_the_products_experts(alice_api, frank_api, anon_api, kate, root, product):
    from .conftest import token_client

    assert _error(anon_api.get(f"{V1}/products/router/flags/"), 401)["code"] == "not_authenticated"
    assert _error(alice_api.get(f"{V1}/products/router/flags/"), 403)["message"]
    _error(frank_api.get(f"{V1}/products/router/flags/"), 403)
    _error(token_client(kate).get(f"{V1}/products/router/flags/"), 403)
    assert token_client(root).get(f"{V1}/products/router/flags/").status_code == 200
    _error(token_client(root).get(f"{V1}/products/nope/flags/"), 404)
    body = _error(token_client(root).get(f"{V1}/products/router/flags/", {"status": "maybe"}), 400)
    assert list(body["fields"]) == ["status"]


def test_flag_queue_pages_with_a_cursor(erin_api, product, alice, bob):
    questions = [make_question(author=alice, product=product, title=f"Question number {i}") for i in range(5)]
    for question in questions:
        moderation.post_flag(user=bob, post=question, reason="spam")
    seen, url = [], f"{V1}/products/router/flags/?page_size=2"
    while url:
        page = erin_api.get(url).json()
        seen += [row["post"]["id"] for row in page["results"]]
        url = page["next"]
    assert seen == [q.pk for q in questions]  # oldest first: the queue's order


# --- Close, reopen, duplicates --------------------------------------------------------------------


def test_close_and_reopen_a_question(erin_api, alice_api, question, answer):
    body = _error(erin_api.post(f"{V1}/questions/{question.pk}/close/", {}), 400)
    assert "give a reason" in body["message"]
    _error(alice_api.post(f"{V1}/questions/{question.pk}/close/", {"reason": "Mine"}), 403)
    _error(erin_api.post(f"{V1}/questions/{answer.pk}/close/", {"reason": "An answer"}), 404)

    response = erin_api.post(f"{V1}/questions/{question.pk}/close/", {"reason": "与产品无关 Off topic"})
    assert response.status_code == 200, response.json()
    state = response.json()
    assert state["kind"] == "question" and state["closed_reason"] == "与产品无关 Off topic"
    assert state["closed_at"] is not None
    assert _error(erin_api.post(f"{V1}/questions/{question.pk}/close/", {"reason": "Again"}), 400)["message"] == (
        "This question is already closed."
    )
    refused = _error(alice_api.post(f"{V1}/questions/{question.pk}/answers/", {"body": "A late answer here."}), 403)
    assert "closed" in refused["message"]

    response = erin_api.post(f"{V1}/questions/{question.pk}/reopen/", {"reason": "Edited"})
    assert response.status_code == 200
    assert response.json()["closed_at"] is None
    assert _error(erin_api.post(f"{V1}/questions/{question.pk}/reopen/"), 400)["message"] == (
        "This question is not closed."
    )
    actions = list(ModerationLog.objects.filter(post=question).values_list("action", flat=True))
    assert ModerationAction.CLOSE in actions and ModerationAction.REOPEN in actions


def test_mark_a_duplicate(erin_api, frank_api, question, answer, product, other_product, bob):
    original = make_question(author=bob, product=product, title="Router drops Wi-Fi at night")
    elsewhere = make_question(author=bob, product=other_product, title="Camera drops Wi-Fi at night")
    url = f"{V1}/questions/{question.pk}/duplicate/"
    _error(frank_api.post(url, {"original": original.pk}), 403)
    assert "original" in _error(erin_api.post(url, {}), 400)["fields"]
    assert "original" in _error(erin_api.post(url, {"original": "abc"}), 400)["fields"]
    assert _error(erin_api.post(url, {"original": 987654321}), 400)["fields"]["original"] == [
        "There is no question #987654321."
    ]
    assert "same product" in _error(erin_api.post(url, {"original": elsewhere.pk}), 400)["message"]
    assert "itself" in _error(erin_api.post(url, {"original": question.pk}), 400)["message"]
    assert "another question" in _error(erin_api.post(url, {"original": answer.pk}), 400)["message"]

    response = erin_api.post(url, {"original": original.pk, "reason": "Same fault"})
    assert response.status_code == 200, response.json()
    assert response.json()["duplicate_of"] == original.pk and response.json()["closed_at"]
    assert erin_api.get(f"{V1}/questions/{question.pk}/").json()["duplicate_of"] == original.pk
    # Reopening drops the link, as on the site.
    assert erin_api.post(f"{V1}/questions/{question.pk}/reopen/").json()["duplicate_of"] is None


# --- Comment locks and rollbacks ------------------------------------------------------------------


def test_lock_and_unlock_comments(erin_api, bob_api, alice_api, question):
    assert "give a reason" in _error(erin_api.post(f"{V1}/posts/{question.pk}/lock-comments/"), 400)["message"]
    _error(alice_api.post(f"{V1}/posts/{question.pk}/lock-comments/", {"reason": "Mine"}), 403)
    response = erin_api.post(f"{V1}/posts/{question.pk}/lock-comments/", {"reason": "Heated"})
    assert response.status_code == 200 and response.json()["comments_locked"] is True
    refused = _error(bob_api.post(f"{V1}/posts/{question.pk}/comments/", {"body": "One more thing."}), 403)
    assert "locked" in refused["message"]
    assert erin_api.get(f"{V1}/questions/{question.pk}/").json()["can"]["comment"] is True  # experts still may
    assert bob_api.get(f"{V1}/questions/{question.pk}/").json()["can"]["comment"] is False
    _error(erin_api.post(f"{V1}/posts/{question.pk}/lock-comments/", {"reason": "Again"}), 400)

    response = erin_api.post(f"{V1}/posts/{question.pk}/unlock-comments/", {})
    assert response.status_code == 200 and response.json()["comments_locked"] is False
    assert "not locked" in _error(erin_api.post(f"{V1}/posts/{question.pk}/unlock-comments/"), 400)["message"]


def test_roll_back_to_an_earlier_revision(alice_api, bob_api, erin_api, question, alice):
    original_body = question.body
    services.post_edit(editor=alice, post=question, body="A vandalised body text.", reason="oops")
    _error(bob_api.post(f"{V1}/posts/{question.pk}/rollback/", {"revision": 1}), 403)
    assert _error(alice_api.post(f"{V1}/posts/{question.pk}/rollback/", {"revision": 9}), 400)["fields"] == {
        "revision": ["This post has no revision 9."]
    }
    assert (
        "already the current"
        in _error(alice_api.post(f"{V1}/posts/{question.pk}/rollback/", {"revision": 2}), 400)["message"]
    )
    _error(alice_api.post(f"{V1}/posts/{question.pk}/rollback/", {"revision": 0}), 400)

    response = erin_api.post(f"{V1}/posts/{question.pk}/rollback/", {"revision": 1, "reason": "Vandalism"})
    assert response.status_code == 201, response.json()
    revision = response.json()
    assert revision["number"] == 3 and revision["body"] == original_body
    assert revision["reason"] == "Rolled back to revision 1: Vandalism"
    assert revision["author"]["username"] == "erin"
    assert Post.objects.get(pk=question.pk).body == original_body
    assert ModerationLog.objects.filter(post=question, action=ModerationAction.ROLLBACK).exists()


# --- The moderation log and what a post's `can` says ----------------------------------------------


def test_moderation_log_lists_what_experts_did(erin_api, alice_api, frank_api, question):
    erin_api.post(f"{V1}/questions/{question.pk}/close/", {"reason": "Off topic"})
    erin_api.post(f"{V1}/posts/{question.pk}/lock-comments/", {"reason": "Heated"})
    response = erin_api.get(f"{V1}/products/router/moderation-log/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["action"] for row in rows] == ["lock", "close"]  # newest first
    assert rows[1]["reason"] == "Off topic" and rows[1]["actor"]["username"] == "erin"
    assert rows[1]["post"]["id"] == question.pk
    _error(alice_api.get(f"{V1}/products/router/moderation-log/"), 403)
    _error(frank_api.get(f"{V1}/products/router/moderation-log/"), 403)


def test_can_tells_who_may_flag_and_moderate(alice_api, bob_api, erin_api, question, answer):
    assert bob_api.get(f"{V1}/questions/{question.pk}/").json()["can"]["flag"] is True
    can = alice_api.get(f"{V1}/questions/{question.pk}/").json()["can"]
    assert can["flag"] is False and can["moderate"] is False  # one's own question
    assert erin_api.get(f"{V1}/answers/{answer.pk}/").json()["can"]["moderate"] is True


def test_expert_delete_and_undelete_with_reasons_reach_the_log(erin_api, answer, question):
    body = _error(erin_api.delete(f"{V1}/questions/{question.pk}/?reason={'x' * 400}"), 400)
    assert "under 300 characters" in body["message"]
    assert Post.objects.get(pk=question.pk).deleted_at is None
    response = erin_api.delete(f"{V1}/answers/{answer.pk}/?reason=Spam+link+垃圾链接")
    assert response.status_code == 204
    body = _error(erin_api.post(f"{V1}/posts/{answer.pk}/undelete/", {"reason": "r" * 400}), 400)
    assert "under 300 characters" in body["message"]
    response = erin_api.post(f"{V1}/posts/{answer.pk}/undelete/", {"reason": "Not spam after all"})
    assert response.status_code == 200 and response.json()["is_deleted"] is False
    log = dict(ModerationLog.objects.filter(post=answer).values_list("action", "reason"))
    assert log == {ModerationAction.DELETE: "Spam link 垃圾链接", ModerationAction.UNDELETE: "Not spam after all"}

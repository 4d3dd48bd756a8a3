"""What each endpoint does, through real HTTP with token authentication."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from forum import services
from forum.models import Endorsement, Post, Revision, Vote

from ..factories import TagFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db

V1 = "/api/v1"


def test_products_list_and_detail(anon_api, question, other_product):
    response = anon_api.get(f"{V1}/products/")
    assert response.status_code == 200
    rows = {row["slug"]: row for row in response.json()["results"]}
    assert rows["router"]["question_count"] == 1
    assert rows["camera"]["question_count"] == 0
    assert rows["router"]["html_url"] == "http://testserver/p/router/"
    detail = anon_api.get(f"{V1}/products/router/").json()
    assert detail["name"] == "Wendao Router"
    assert anon_api.get(f"{V1}/products/nope/").status_code == 404


def test_product_tags_with_counts(anon_api, question):
    results = anon_api.get(f"{V1}/products/router/tags/").json()["results"]
    assert {(t["name"], t["question_count"]) for t in results} == {("wifi", 1), ("固件", 1)}


def test_ask_a_question_in_chinese(alice_api, product):
    TagFactory(product=product, name="固件")
    response = alice_api.post(
        f"{V1}/questions/",
        {
            "product": "router",
            "title": "如何升级固件？",
            "body": "**固件**版本是 1.0，怎么升级到 2.0？",
            "tags": ["固件"],
        },
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["title"] == "如何升级固件？"
    assert data["tags"] == ["固件"]
    assert "<strong>固件</strong>" in data["body_html"]
    assert data["author"]["username"] == "alice"
    assert data["author"]["role"] == "customer"
    assert data["answers"] == [] and data["my_vote"] == 0
    assert data["can"]["edit"] and not data["can"]["vote"]
    question = Post.objects.get(pk=data["id"])
    assert question.revisions.count() == 1


def test_ask_refuses_bad_input_with_field_messages(alice_api, product):
    response = alice_api.post(f"{V1}/questions/", {"product": "router", "title": "Hi", "body": "short"})
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "invalid" and error["status"] == 400
    assert "at least 5 characters" in error["message"]
    response = alice_api.post(f"{V1}/questions/", {"product": "nope", "title": "A good title", "body": "x" * 20})
    assert response.status_code == 400
    assert "product" in response.json()["fields"]
    response = alice_api.post(
        f"{V1}/questions/", {"product": "router", "title": "A good title", "body": "x" * 20, "tags": ["unknown"]}
    )
    assert response.status_code == 400 and "Unknown tag" in response.json()["message"]


def test_nul_bytes_are_refused_not_stored(alice_api, product):
    response = alice_api.post(
        f"{V1}/questions/", {"product": "router", "title": "Null \x00 title", "body": "A body with \x00 inside it."}
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"title", "body"}
    assert not Post.objects.exists()
    assert alice_api.get(f"{V1}/questions/", {"tag": "a\x00b"}).status_code == 400


def test_question_detail_orders_answers_best_first(anon_api, question, bob, erin):
    low = make_answer(question=question, author=UserFactory(), body="Try turning it off and on again.")
    best = make_answer(question=question, author=bob, body="Update the firmware to 2.1, then reboot it.")
    official = make_answer(question=question, author=erin, body="This is a known bug fixed in firmware 2.1.")
    for _ in range(2):
        services.vote_cast(voter=UserFactory(), post=best, value=1)
    services.vote_cast(voter=UserFactory(), post=low, value=-1)
    services.answer_endorse(expert=erin, answer=best, note="Confirmed by support")
    data = anon_api.get(f"{V1}/questions/{question.pk}/").json()
    ids = [a["id"] for a in data["answers"]]
    assert ids.index(best.pk) < ids.index(low.pk)
    assert set(ids) == {low.pk, best.pk, official.pk}
    by_id = {a["id"]: a for a in data["answers"]}
    assert by_id[official.pk]["author"]["role"] == "expert"
    assert by_id[best.pk]["endorsements"][0]["expert"]["username"] == "erin"
    assert by_id[best.pk]["endorsements"][0]["note"] == "Confirmed by support"
    assert by_id[best.pk]["score"] == 2 and by_id[low.pk]["score"] == -1
    assert data["tags"] == sorted(["wifi", "固件"])


def test_question_detail_makes_a_constant_number_of_queries(
    alice_api, question, django_assert_num_queries, django_assert_max_num_queries
):
    def fetch():
        response = alice_api.get(f"{V1}/questions/{question.pk}/")
        assert response.status_code == 200
        return len(response.json()["answers"])

    for i in range(3):
        make_answer(question=question, body=f"Answer number {i} with enough text.")
    fetch()  # warm the role and expert caches, as on a live site
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert fetch() == 3
    # The thread is kept until it changes (forum/thread_cache.py): the token's user and the
    # reader's votes.
    assert len(few.captured_queries) == 2, [q["sql"][:80] for q in few.captured_queries]
    for i in range(30):
        answer = make_answer(question=question, body=f"Another answer {i} with enough text.")
        services.comment_add(author=UserFactory(), post=answer, body="Thanks, that worked.")
        services.vote_cast(voter=UserFactory(), post=answer, value=1)
    # After a change, the first reader reads it again: the token's user, the posts (with the
    # authors' names and authority), the comments, the question's tags and the reader's votes
    # (an answer with endorsements adds one query for them)...
    with django_assert_num_queries(5):
        assert fetch() == 33
    # ...and the next one does not, whatever the number of answers.
    with django_assert_num_queries(len(few.captured_queries)):
        assert fetch() == 33


def test_question_detail_from_a_kept_thread_shows_changes_at_once_and_each_readers_votes(
    alice_api, bob_api, question, bob
):
    answer = make_answer(question=question, body="Hold the reset button for ten seconds.")
    url = f"{V1}/questions/{question.pk}/"

    def shown(api):
        body = api.get(url).json()
        return [(a["id"], a["score"], a["my_vote"], len(a["comments"])) for a in body["answers"]]

    assert shown(alice_api) == shown(bob_api) == [(answer.pk, 0, 0, 0)]  # the thread is kept now
    services.vote_cast(voter=bob, post=answer, value=1)
    assert shown(bob_api) == [(answer.pk, 1, 1, 0)]
    assert shown(alice_api) == [(answer.pk, 1, 0, 0)]  # the same kept thread, alice's own votes
    services.comment_add(author=bob, post=answer, body="It worked for me, thanks.")
    assert shown(alice_api) == [(answer.pk, 1, 0, 1)]


def test_question_list_filters_and_cursor_pages(anon_api, product, other_product, alice, bob):
    TagFactory(product=product, name="wifi")
    wifi = make_question(author=alice, product=product, title="Wi-Fi keeps dropping", tags=["wifi"])
    answered = make_question(author=bob, product=product, title="How do I reset it?")
    make_answer(question=answered, body="Hold the reset button ten seconds.")
    camera = make_question(author=bob, product=other_product, title="摄像头夜视模糊")

    def ids(**params):
        response = anon_api.get(f"{V1}/questions/", params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert set(ids()) == {wifi.pk, answered.pk, camera.pk}
    assert set(ids(product="router")) == {wifi.pk, answered.pk}
    assert ids(tag="wifi") == [wifi.pk]
    assert ids(status="answered") == [answered.pk]
    assert set(ids(status="unanswered")) == {wifi.pk, camera.pk}
    assert set(ids(author=bob.pk)) == {answered.pk, camera.pk}
    assert ids(created_after=(timezone.now() + timezone.timedelta(hours=1)).isoformat()) == []
    assert ids(sort="newest")[0] == camera.pk
    for bad in ({"status": "sideways"}, {"product": "nope"}, {"author": "x"}, {"created_after": "yesterday"}):
        response = anon_api.get(f"{V1}/questions/", bad)
        assert response.status_code == 400
        assert list(response.json()["fields"]) == list(bad)


def test_cursor_pagination_visits_every_question_once(anon_api, product):
    made = {make_question(product=product, title=f"Question number {i}").pk for i in range(7)}
    seen, url = [], f"{V1}/questions/?page_size=3&sort=newest"
    while url:
        page = anon_api.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert len(seen) == 7 and set(seen) == made
    assert anon_api.get(f"{V1}/questions/?cursor=garbage").status_code == 404


def test_a_new_answer_is_answered_as_get_shows_it(bob_api, erin_api, question):
    """The 201 body is built without reading comments, endorsements or votes (a new answer has
    none): it must be exactly what GET /answers/{id}/ gives, an expert author's badge included."""
    for client in (bob_api, erin_api):  # a customer, and the product's expert
        created = client.post(f"{V1}/questions/{question.pk}/answers/", {"body": "Hold **reset** ten seconds."})
        assert created.status_code == 201
        assert client.get(f"{V1}/answers/{created.json()['id']}/").json() == created.json()


def test_answer_comment_vote_accept_flow(alice_api, bob_api, question, alice, bob):
    response = bob_api.post(f"{V1}/questions/{question.pk}/answers/", {"body": "重启路由器，然后更新固件。"})
    assert response.status_code == 201, response.json()
    answer_id = response.json()["id"]
    assert response.json()["question"] == question.pk

    response = alice_api.post(f"{V1}/posts/{answer_id}/comments/", {"body": "谢谢！Worked."})
    assert response.status_code == 201
    comments = alice_api.get(f"{V1}/posts/{answer_id}/comments/").json()["results"]
    assert [c["body"] for c in comments] == ["谢谢！Worked."]

    response = alice_api.post(f"{V1}/posts/{answer_id}/vote/", {"value": 1})
    assert response.status_code == 200
    assert response.json() == {"post": answer_id, "score": 1, "upvotes": 1, "downvotes": 0, "my_vote": 1}
    again = alice_api.post(f"{V1}/posts/{answer_id}/vote/", {"value": 1})
    assert again.status_code == 400 and "already voted" in again.json()["message"]
    assert bob_api.post(f"{V1}/posts/{answer_id}/vote/", {"value": 1}).status_code == 403
    assert alice_api.post(f"{V1}/posts/{answer_id}/vote/", {"value": 5}).status_code == 400

    response = alice_api.post(f"{V1}/answers/{answer_id}/accept/")
    assert response.status_code == 200 and response.json()["is_accepted"] is True
    assert Post.objects.get(pk=question.pk).has_accepted_answer
    refused = bob_api.post(f"{V1}/answers/{answer_id}/accept/")
    assert refused.status_code == 403
    assert refused.json()["message"] == "Only the person who asked can accept an answer."
    response = alice_api.delete(f"{V1}/answers/{answer_id}/accept/")
    assert response.status_code == 200 and response.json()["is_accepted"] is False


def test_endorse_and_withdraw(erin_api, frank_api, answer):
    response = erin_api.post(f"{V1}/answers/{answer.pk}/endorsement/", {"note": "官方确认 Official fix"})
    assert response.status_code == 200
    assert response.json()["endorsements"][0]["note"] == "官方确认 Official fix"
    assert frank_api.post(f"{V1}/answers/{answer.pk}/endorsement/", {}).status_code == 403
    assert erin_api.delete(f"{V1}/answers/{answer.pk}/endorsement/").json()["endorsements"] == []
    assert Endorsement.objects.get().withdrawn_at is not None


def test_edit_makes_revisions_and_history_lists_them(alice_api, bob_api, question):
    response = alice_api.patch(
        f"{V1}/questions/{question.pk}/", {"title": "Router drops Wi-Fi at night", "reason": "clearer title"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Router drops Wi-Fi at night"
    assert bob_api.patch(f"{V1}/questions/{question.pk}/", {"title": "Vandalised title"}).status_code == 403
    revisions = alice_api.get(f"{V1}/posts/{question.pk}/revisions/").json()["results"]
    assert [r["number"] for r in revisions] == [1, 2]
    assert revisions[1]["reason"] == "clearer title"
    assert revisions[0]["tags"] == ["wifi", "固件"]
    nothing = alice_api.patch(f"{V1}/questions/{question.pk}/", {})
    assert nothing.status_code == 400 and "Nothing changed" in nothing.json()["message"]


def test_edit_answer(bob_api, erin_api, alice_api, answer):
    response = bob_api.patch(f"{V1}/answers/{answer.pk}/", {"body": "Update the firmware to 2.2 instead."})
    assert response.status_code == 200 and response.json()["body"] == "Update the firmware to 2.2 instead."
    assert erin_api.patch(f"{V1}/answers/{answer.pk}/", {"body": "Moderated answer text here."}).status_code == 200
    assert alice_api.patch(f"{V1}/answers/{answer.pk}/", {"body": "Someone else's text here."}).status_code == 403
    assert Revision.objects.filter(post=answer).count() == 3


def test_soft_delete_and_undelete(bob_api, erin_api, anon_api, alice_api, answer, question):
    assert bob_api.delete(f"{V1}/answers/{answer.pk}/").status_code == 204
    answer.refresh_from_db()
    assert answer.deleted_at is not None
    assert anon_api.get(f"{V1}/answers/{answer.pk}/").status_code == 403
    assert anon_api.get(f"{V1}/questions/{question.pk}/").json()["answers"] == []
    assert bob_api.get(f"{V1}/answers/{answer.pk}/").json()["is_deleted"] is True
    assert [a["id"] for a in erin_api.get(f"{V1}/questions/{question.pk}/").json()["answers"]] == [answer.pk]
    assert bob_api.post(f"{V1}/posts/{answer.pk}/undelete/").status_code == 403
    response = erin_api.post(f"{V1}/posts/{answer.pk}/undelete/")
    assert response.status_code == 200
    assert response.json() == {
        "id": answer.pk,
        "kind": "answer",
        "is_deleted": False,
        "is_hidden": False,
        "closed_at": None,
        "closed_reason": "",
        "duplicate_of": None,
        "comments_locked": False,
        "html_url": f"http://testserver/q/{question.pk}/#answer-{answer.pk}",
    }
    assert alice_api.delete(f"{V1}/questions/{question.pk}/").status_code == 204
    assert Post.objects.get(pk=question.pk).deleted_at is not None


def test_public_profile_and_me(anon_api, alice_api, erin, answer, bob):
    services.answer_accept(user=answer.question.author, answer=answer)
    profile = anon_api.get(f"{V1}/users/{bob.pk}/").json()
    assert profile["stats"] == {"questions": 0, "answers": 1, "accepted": 1, "upvotes": 0, "downvotes": 0}
    assert "email" not in profile
    assert anon_api.get(f"{V1}/users/{erin.pk}/").json()["expert_of"] == ["router"]
    me = alice_api.get(f"{V1}/me/").json()
    assert me["username"] == "alice" and me["email"] == "alice@example.com" and me["roles"] == []
    response = alice_api.patch(f"{V1}/me/", {"display_name": "爱丽丝", "preferred_language": "zh-hans"})
    assert response.status_code == 200 and response.json()["name"] == "爱丽丝"
    assert alice_api.patch(f"{V1}/me/", {"preferred_language": "klingon"}).status_code == 400
    assert anon_api.get(f"{V1}/me/").status_code == 401


def test_profile_of_an_expert_lists_roles(erin):
    from .conftest import token_client

    me = token_client(erin).get(f"{V1}/me/").json()
    assert me["roles"] == [{"role": "expert", "product": "router"}]


def test_api_never_counts_views(anon_api, question):
    anon_api.get(f"{V1}/questions/{question.pk}/")
    assert Post.objects.get(pk=question.pk).view_count == 0


def test_votes_refused_on_deleted_posts(bob_api, alice, question):
    services.post_delete(user=alice, post=question)
    response = bob_api.post(f"{V1}/posts/{question.pk}/vote/", {"value": 1})
    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_answers_for_another_product_are_not_moderated_by_its_expert(frank_api, answer):
    assert frank_api.delete(f"{V1}/answers/{answer.pk}/").status_code == 403


def test_answers_carry_authority_and_score_breakdown(anon_api, question, bob, erin):
    plain = make_answer(question=question, author=UserFactory(), body="Try turning it off and on again.")
    endorsed = make_answer(question=question, author=bob, body="Update the firmware to 2.1, then reboot it.")
    services.vote_cast(voter=UserFactory(), post=endorsed, value=1)
    services.answer_endorse(expert=erin, answer=endorsed, note="官方确认")
    data = anon_api.get(f"{V1}/questions/{question.pk}/").json()
    answers = {a["id"]: a for a in data["answers"]}
    assert [a["id"] for a in data["answers"]][0] == endorsed.pk  # authority order: endorsed first
    breakdown = answers[endorsed.pk]["score_breakdown"]
    assert breakdown["endorse_boost"] > 0 and breakdown["endorsements"] == 1
    assert breakdown["upvotes"] == 1 and breakdown["up_weight"] > 0
    assert breakdown["total"] == pytest.approx(
        breakdown["wilson"] + breakdown["accept_boost"] + breakdown["endorse_boost"]
    )
    assert answers[plain.pk]["score_breakdown"]["endorse_boost"] == 0
    assert 0 <= answers[endorsed.pk]["author"]["authority"] <= 1000
    assert answers[endorsed.pk]["author"]["authority"] > answers[plain.pk]["author"]["authority"]
    single = anon_api.get(f"{V1}/answers/{endorsed.pk}/").json()
    assert single["score_breakdown"] == breakdown
    assert single["author"]["authority"] == answers[endorsed.pk]["author"]["authority"]
    listed = anon_api.get(f"{V1}/questions/").json()["results"][0]
    assert listed["author"]["authority"] is None  # not computed for lists


def test_profile_shows_authority_per_product(anon_api, answer, bob, erin):
    services.vote_cast(voter=UserFactory(), post=answer, value=1)
    services.answer_endorse(expert=erin, answer=answer)
    standings = anon_api.get(f"{V1}/users/{bob.pk}/").json()["authority"]
    assert [s["product"] for s in standings] == ["router"]
    assert standings[0]["index"] > 0 and standings[0]["is_expert"] is False
    expert = anon_api.get(f"{V1}/users/{erin.pk}/").json()["authority"]
    assert expert[0]["product"] == "router" and expert[0]["is_expert"] is True


def test_the_api_thread_read_matches_the_page(question, bob, erin, alice):
    """forum.api.selectors reads a thread more lightly than the page does: the same answers in the
    same order (deleted ones included, the view drops them for readers who may not see them), the
    same votes, comments, authorities and endorsements."""
    from forum import authority_store, selectors
    from forum.api import selectors as api_selectors

    answers = [make_answer(question=question, body=f"Answer {i} with enough text.") for i in range(5)]
    services.vote_cast(voter=bob, post=answers[3], value=1)
    services.vote_cast(voter=UserFactory(), post=answers[1], value=-1)
    services.vote_cast(voter=alice, post=answers[1], value=1)
    services.answer_endorse(expert=erin, answer=answers[2], note="ok")
    services.comment_add(author=alice, post=answers[2], body="Thanks, it worked.")
    services.comment_add(author=bob, post=question, body="Which firmware?")
    services.post_delete(user=erin, post=answers[4])
    for reader in (alice, AnonymousUser()):
        page_q = selectors.question_with_tags(question.pk)
        page, page_votes = selectors.question_thread(question=page_q, user=reader, include_deleted=True)
        api_q, api, api_votes, _memo = api_selectors.question_and_answers(question_id=question.pk, user=reader)
        assert api_q.pk == question.pk and api_q.author_anchor == page_q.author_anchor
        assert [a.pk for a in api] == [a.pk for a in page]
        assert api_votes == page_votes and (api_votes != {}) == reader.is_authenticated
        assert api_q.tag_names == [t.name for t in page_q.tags.all()]
        assert [c.pk for c in api_q.comment_list] == [c.pk for c in page_q.comment_list]
        for a, p in zip(api, page, strict=True):
            assert [c.pk for c in a.comment_list] == [c.pk for c in p.comment_list]
            assert a.author_anchor == p.author_anchor
        authority_store.thread_context(question=page_q, answers=page, user=reader)
        for a, p in zip(api, page, strict=True):
            assert [e.expert_id for e in a.endorsement_list] == [e.expert.pk for e in p.active_endorsements]
    assert [a.pk for a in api if a.deleted_at is None] == [
        a.pk for a in selectors.question_thread(question=page_q, user=alice)[0]
    ]
    with pytest.raises(Post.DoesNotExist):  # an answer's id is not a question's
        api_selectors.question_and_answers(question_id=answers[0].pk, user=alice)


def test_question_detail_hides_deleted_answers_but_from_moderators(anon_api, alice_api, erin_api, question, erin):
    kept = make_answer(question=question, body="This one stays.")
    gone = make_answer(question=question, body="This one goes away.")
    services.post_delete(user=erin, post=gone)
    for client, shown in ((anon_api, [kept.pk]), (alice_api, [kept.pk]), (erin_api, [kept.pk, gone.pk])):
        answers = client.get(f"{V1}/questions/{question.pk}/").json()["answers"]
        assert sorted(a["id"] for a in answers) == sorted(shown)
    assert anon_api.get(f"{V1}/questions/{kept.pk}/").status_code == 404


def test_search_finds_chinese_and_english(anon_api, product, alice, django_capture_on_commit_callbacks):
    TagFactory(product=product, name="wifi")
    with django_capture_on_commit_callbacks(execute=True):
        wanted = make_question(author=alice, product=product, title="路由器无法连接无线网络", tags=["wifi"])
        make_question(author=alice, product=product, title="How do I change the admin password?")
    data = anon_api.get(f"{V1}/search/", {"q": "无线网络"}).json()
    assert [r["id"] for r in data["results"]] == [wanted.pk]
    assert data["count"] == 1 and data["page"] == 1 and isinstance(data["results"][0]["snippet"], str)
    assert anon_api.get(f"{V1}/search/", {"q": "password", "product": "router"}).json()["count"] == 1
    for bad in ({"q": ""}, {"q": "wifi", "status": "sideways"}, {"q": "wifi", "product": "nope"}):
        response = anon_api.get(f"{V1}/search/", bad)
        assert response.status_code == 400 and response.json()["code"] == "invalid", response.json()

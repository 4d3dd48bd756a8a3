"""The hot-path output serializers build their dicts by hand for speed: each must return exactly
the fields it declares (the OpenAPI schema is generated from the declarations)."""

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from forum import services
from forum.api import question_list
from forum.api import selectors as api_selectors
from forum.api import serializers as s
from forum.api.views import _context, question_payload

from ..factories import UserFactory, make_answer

pytestmark = pytest.mark.django_db


def _declared(serializer_class) -> set[str]:
    return set(serializer_class().fields)


def test_hand_built_dicts_match_their_declarations(question, bob, erin, alice):
    answer = make_answer(question=question, author=bob, body="Update the firmware, then reboot.")
    services.comment_add(author=alice, post=answer, body="Thanks!")
    services.answer_endorse(expert=erin, answer=answer, note="ok")
    services.vote_cast(voter=UserFactory(), post=answer, value=1)
    request = Request(APIRequestFactory().get("/api/v1/questions/"))
    request.user = alice
    context = _context(request)
    data = question_payload(request, question.pk)
    assert set(data) == _declared(s.QuestionDetailSerializer)
    assert set(data["answers"][0]) == _declared(s.AnswerSerializer)
    assert set(data["answers"][0]["author"]) == _declared(s.UserRefSerializer)
    assert set(data["answers"][0]["comments"][0]) == _declared(s.CommentSerializer)
    assert set(data["answers"][0]["score_breakdown"]) == _declared(s.ScoreBreakdownSerializer)
    assert set(data["can"]) == _declared(s.ActionsSerializer)
    rows = question_list.page_items(question_list.Rows().order_by("-pk")[0:1], request)
    assert set(rows[0]) == _declared(s.QuestionListSerializer)
    assert set(rows[0]["author"]) == _declared(s.UserRefSerializer)
    orm_rows = question_list.page_items(list(api_selectors.question_rows()), request)  # a filtered list's rows
    assert orm_rows == rows
    endorsement = answer.endorsements.get()
    assert set(s.EndorsementSerializer(endorsement, context=context).data) == _declared(s.EndorsementSerializer)


def test_people_shared_within_a_request_are_each_described_right(question, alice, bob, erin):
    """``author_ref`` builds each person's dict once per request and shares it: every place a
    person appears (question, answers, comments, endorsements) must still read as if built alone."""
    first = make_answer(question=question, author=bob, body="Update the firmware.")
    second = make_answer(question=question, author=erin, body="Official: reboot after updating.")
    services.comment_add(author=bob, post=question, body="Same here.")
    services.comment_add(author=alice, post=first, body="Thanks!")
    services.comment_add(author=bob, post=second, body="Confirmed.")
    services.answer_endorse(expert=erin, answer=first, note="ok")
    request = Request(APIRequestFactory().get("/api/v1/questions/"))
    request.user = alice
    data = question_payload(request, question.pk)

    people = [data["author"], *(c["author"] for c in data["comments"])]
    for answer in data["answers"]:
        people += [answer["author"], *(c["author"] for c in answer["comments"])]
        people += [e["expert"] for e in answer["endorsements"]]
    assert {p["username"] for p in people} == {alice.username, bob.username, erin.username}
    for person in people:
        assert person["role"] == ("expert" if person["id"] == erin.pk else "customer")
        assert person["html_url"] == s.Urls(request).user(person["id"])
        assert isinstance(person["authority"], int)
    by_id = {p["id"]: p for p in people}
    for person in people:
        assert person == by_id[person["id"]]
    # The same person in another product's context is described for that product.
    context = _context(request)
    context["authorities"] = {}
    in_thread = s.author_ref(erin, product_id=question.product_id, context=context)
    elsewhere = s.author_ref(erin, product_id=None, context=context)
    assert (in_thread["role"], elsewhere["role"]) == ("expert", "customer")

"""The hot-path output serializers build their dicts by hand for speed: each must return exactly
the fields it declares (the OpenAPI schema is generated from the declarations)."""

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from forum import services
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
    rows = api_selectors.question_list_items(list(api_selectors.question_rows()))
    assert set(s.QuestionListSerializer(rows[0], context=context).data) == _declared(s.QuestionListSerializer)
    endorsement = answer.endorsements.get()
    assert set(s.EndorsementSerializer(endorsement, context=context).data) == _declared(s.EndorsementSerializer)

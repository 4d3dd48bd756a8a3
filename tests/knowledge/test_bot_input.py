"""The bot API's input check (``knowledge.api.answer_params``) gives what DRF's ``AnswerInput``
serializer gives: the same validated data, and the same errors for bad input."""

import pytest
from django.http import QueryDict
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError

from knowledge.api import AnswerInput, answer_params

SPACE = st.sampled_from(["", " ", "\t", "\n", "\u3000", "\xa0"])
TEXT = st.one_of(
    st.text(max_size=20),
    st.text(alphabet="ab -_\x00\ud800路由", max_size=8),
    st.builds(lambda n, pad: pad + "x" * n + pad, st.integers(495, 505), SPACE),
)
SLUG = st.one_of(st.sampled_from(["router", "my-router_2", "", "rou ter", "路由", "router\n", " router"]), TEXT)
LOCALE = st.one_of(st.sampled_from(["en", "zh-hans", "", "fr", "EN", " en"]), TEXT)
LIMIT = st.one_of(
    st.sampled_from(["1", "3", "10", "11", "0", "03", "010", "3.0", "3.5", " 3", "3 ", "-1", "", "٣", "³", "many"]),
    st.integers(-20, 20).map(str),
    TEXT,
)
QUERY = st.one_of(st.sampled_from(["reset the router", "  忘记管理员密码  ", "", "   "]), TEXT)


def serializer_verdict(query_params):
    params = AnswerInput(data=query_params)
    if params.is_valid():
        return dict(params.validated_data)
    return ValidationError(params.errors).detail


def fast_verdict(query_params):
    try:
        return dict(answer_params(query_params))
    except ValidationError as error:
        return error.detail


@settings(max_examples=400, deadline=None)
@given(
    q=st.lists(QUERY, max_size=2),
    product=st.lists(SLUG, max_size=2),
    locale=st.lists(LOCALE, max_size=2),
    limit=st.lists(LIMIT, max_size=2),
)
def test_the_input_check_agrees_with_the_serializer(q, product, locale, limit):
    query_params = QueryDict(mutable=True)
    for name, values in {"q": q, "product": product, "locale": locale, "limit": limit}.items():
        if values:
            query_params.setlist(name, values)
    assert fast_verdict(query_params) == serializer_verdict(query_params)


EDGES = {
    "q": ["a\x00b", "a\ud800", " " + "x" * 500 + " ", "x" * 501, "\u3000", "0", "路由器"],
    "product": ["router", "Router_2-x", "rou ter", "router\n", "路由", "a\x00"],
    "locale": ["zh-hans", "zh-Hans", "en ", "xx"],
    "limit": ["10", "11", "0", "01", "3.0", "3.", "+3", "٣", "³", "1e1", " 2"],
}


@pytest.mark.parametrize("name, value", [(name, value) for name, values in EDGES.items() for value in values])
def test_edge_values_get_the_serializers_verdict(name, value):
    query_params = QueryDict(mutable=True)
    query_params.update({"q": "reset", name: value})
    assert fast_verdict(query_params) == serializer_verdict(query_params)


@pytest.mark.parametrize(
    "query_string, expected",
    [
        (
            "q=+reset+&product=router&locale=en&limit=05",
            {"q": "reset", "product": "router", "locale": "en", "limit": 5},
        ),
        ("q=reset&product=&locale=&limit=", {"q": "reset", "product": "", "limit": 3}),
        ("q=a&q=b&limit=1&limit=2", {"q": "b", "limit": 2}),
    ],
)
def test_plain_input_takes_the_fast_way_with_the_same_result(query_string, expected, monkeypatch):
    query_params = QueryDict(query_string)
    assert serializer_verdict(query_params) == expected
    monkeypatch.setattr(AnswerInput, "is_valid", lambda *args, **kwargs: pytest.fail("went to the serializer"))
    assert answer_params(query_params) == expected

"""The question list read in plain SQL and shaped by hand (``forum/api/question_list.py``) must
answer byte for byte what the ORM, django-filter and ``QuestionListSerializer`` answered: every
page, both directions, every order, ties that need the cursor's offset, filters and their errors.

The reference below is the list as it was before (``values()`` rows, DRF's own cursor pagination,
the serializer), rendered by the API's renderer.
"""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.db.models import F
from django_filters.rest_framework import DjangoFilterBackend
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import generics
from rest_framework.pagination import CursorPagination
from rest_framework.test import APIClient, APIRequestFactory

from forum.api import selectors as api_selectors
from forum.api import serializers as s
from forum.api.filters import QuestionFilter
from forum.api.pagination import API_SORTS
from forum.api.views import _context
from forum.models import Post, Question
from forum.models import Tag as TagModel

from ..factories import ProductFactory, TagFactory, UserFactory, make_expert, make_question

pytestmark = pytest.mark.django_db
URL = "/api/v1/questions/"
# "null" is one a PostgreSQL array must quote (the list's tags are read as one array per row).
TAGS = ("wifi", "固件", "mesh", "null", "5g-band")
T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


class _ReferencePagination(CursorPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_ordering(self, request, queryset, view):
        return API_SORTS.get(request.query_params.get("sort") or "active", API_SORTS["active"])


class _ReferenceListApi(generics.GenericAPIView):
    """The list before: ORM rows as dicts, DRF's pagination, the serializer."""

    pagination_class = _ReferencePagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = QuestionFilter
    throttle_classes = []

    def get_queryset(self):
        return Question.objects.visible().values(
            *api_selectors.QUESTION_ROW_FIELDS,
            product_slug=F("product__slug"),
            author_username=F("author__username"),
            author_display_name=F("author__display_name"),
        )

    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        items = []
        for row in page:
            author = SimpleNamespace(
                pk=row["author_id"], username=row["author_username"], display_name=row["author_display_name"]
            )
            items.append(SimpleNamespace(pk=row["id"], author=author, **row))
        api_selectors.attach_tag_names(items)
        data = s.QuestionListSerializer(items, many=True, context=_context(request)).data
        return self.get_paginated_response(data)


def _reference(url: str, client_kwargs: dict) -> tuple[int, bytes]:
    request = APIRequestFactory().get(url, **client_kwargs)
    response = _ReferenceListApi.as_view()(request)
    response.render()
    return response.status_code, response.content


def _both(api, url: str) -> tuple[bytes, dict]:
    response = api.get(url)
    assert (response.status_code, response.content) == _reference(url, api._credentials), url
    return response.content, response.json() if response.status_code == 200 else {}


def _walk(api, url: str) -> list[int]:
    """Every page forwards from ``url``, then back from the last, each compared with the
    reference; returns the ids seen going forwards."""
    seen, previous = [], None
    for _ in range(200):
        _body, page = _both(api, url)
        seen += [row["id"] for row in page["results"]]
        previous = page["previous"]
        if not page["next"]:
            break
        url = page["next"]
    for _ in range(200):
        if not previous:
            break
        _body, page = _both(api, previous)
        previous = page["previous"]
    return seen


def _forum(rows: list[dict]) -> list[Post]:
    """Questions as ``rows`` describe them (times as minutes after T0, so that equal minutes tie)."""
    router, camera = ProductFactory(slug="router"), ProductFactory(slug="camera")
    for product in (router, camera):
        for name in TAGS:
            TagFactory(product=product, name=name)
    expert = make_expert(UserFactory(username="expert", display_name="Router Expert"), router)
    people = [expert, UserFactory(display_name=""), UserFactory(display_name="用户 2")]
    made = []
    for i, row in enumerate(rows):
        product = router if row["router"] else camera
        question = make_question(
            author=people[row["author"]], product=product, title=f"Question {i} 问题", tags=row["tags"]
        )
        Post.objects.filter(pk=question.pk).update(
            created_at=T0 + timedelta(minutes=row["created"]),
            last_activity_at=T0 + timedelta(minutes=row["active"], microseconds=row["micro"]),
            score=row["score"],
            answer_count=row["answers"],
            has_accepted_answer=row["answers"] > 0 and row["accepted"],
            closed_at=T0 if row["closed"] else None,
            deleted_at=T0 if row["gone"] == "deleted" else None,
            hidden_at=T0 if row["gone"] == "hidden" else None,
        )
        made.append(question)
    return made


QUESTION = st.fixed_dictionaries(
    {
        "router": st.booleans(),
        "author": st.integers(0, 2),
        "tags": st.lists(st.sampled_from(TAGS), unique=True, max_size=3),
        "created": st.integers(0, 3),
        "active": st.integers(0, 3),
        "micro": st.sampled_from([0, 0, 500, 123456]),
        "score": st.integers(-2, 2),
        "answers": st.integers(0, 2),
        "accepted": st.booleans(),
        "closed": st.booleans(),
        "gone": st.sampled_from([None, None, None, "deleted", "hidden"]),
    }
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(QUESTION, min_size=0, max_size=9), size=st.integers(1, 4))
def test_every_page_in_every_order_matches_the_orm_and_serializer(rows, size, alice):
    api = APIClient()
    api.force_authenticate(alice)  # no throttle for the many requests (the anonymous one counts)
    api._credentials = {}
    with transaction.atomic():
        made = _forum(rows)
        visible = {q.pk for q, row in zip(made, rows, strict=True) if row["gone"] is None}
        for sort in ("", "&sort=active", "&sort=newest", "&sort=votes"):
            seen = _walk(api, f"{URL}?page_size={size}{sort}")
            assert sorted(seen) == sorted(visible)  # each visible question once
        transaction.set_rollback(True)


# A cursor may carry a date without a time zone (clients build them); the ORM warns and reads it in
# the site's zone, on both paths alike, which is what this test compares.
@pytest.mark.filterwarnings("ignore:DateTimeField Post.last_activity_at received a naive datetime:RuntimeWarning")
def test_filters_errors_and_odd_cursors_match_the_reference(alice):
    rows = [
        {
            "router": i % 3 != 0,
            "author": i % 3,
            "tags": [["wifi"], ["固件", "mesh"], []][i % 3],
            "created": i % 4,
            "active": i % 2,
            "micro": 0,
            "score": i % 3 - 1,
            "answers": i % 2,
            "accepted": i % 4 == 1,
            "closed": i % 5 == 0,
            "gone": "hidden" if i == 4 else None,
        }
        for i in range(12)
    ]
    made = _forum(rows)
    api = APIClient()
    api.force_authenticate(alice)
    api._credentials = {}
    author = made[1].author_id
    for query in (
        "product=router",
        "product=camera&sort=votes",
        "tag=wifi",
        "tag=固件&page_size=1",
        "status=open",
        "status=closed",
        "status=answered&sort=newest",
        "status=unanswered",
        "status=accepted",
        f"author={author}",
        "created_after=2026-03-01T12:02:00Z",
        "created_before=2026-03-01T12:02:00%2B00:00&page_size=2",
        "sort=",
        "status=",
        "product=nope",
        "status=sideways",
        "author=x",
        "author=0",
        "created_after=yesterday",
        "sort=sideways",
        "page_size=0",
        "page_size=abc",
        "page_size=1000",
        "cursor=garbage",
        # Positions the API never writes: a malformed date (Django's 400), a date without time,
        # a naive one, a number beyond the column (Django's overflow rule), an offset.
        "cursor=cD1nYXJiYWdl",
        "cursor=cD0yMDI2LTAzLTAx",
        "cursor=cD0yMDI2LTAzLTAxIDEyOjAxOjAw",
        "sort=votes&cursor=cD05OTk5OTk5OTk5OTk5OQ%3D%3D",
        "sort=votes&cursor=cj0xJnA9LTk5OTk5OTk5OTk5OTk%3D",
        "sort=votes&cursor=bz0yJnA9MA%3D%3D&page_size=2",
        "sort=newest&cursor=bz0zJnI9MQ%3D%3D&page_size=2",
    ):
        url = f"{URL}?{query}"
        if query in ("tag=wifi", "created_after=2026-03-01T12:02:00Z", "product=camera&sort=votes"):
            _walk(api, url + "&page_size=2")
        _both(api, url)


def test_a_number_the_api_never_wrote_in_a_cursor_is_a_404_not_a_500(anon_api, product):
    make_question(product=product, title="How do I reset it?")
    # "p=abc" in the "votes" order: the ORM raised ValueError (a 500) before.
    response = anon_api.get(f"{URL}?sort=votes&cursor=cD1hYmM%3D")
    assert response.status_code == 404
    assert response.json() == {"status": 404, "code": "not_found", "message": "Invalid cursor", "fields": {}}
    response = anon_api.get(f"{URL}?sort=votes&cursor=cD1hYmM%3D&status=open")  # the filtered path too
    assert response.status_code == 404


def test_anonymous_kept_copy_and_a_token_read_the_same_page(anon_api, alice_api, product, settings):
    settings.WENDAO = {**settings.WENDAO, "ANONYMOUS_PAGE_SECONDS": 60}
    TagFactory(product=product, name="wifi")
    for i in range(3):
        make_question(product=product, title=f"Question number {i}", tags=["wifi"])
    first = anon_api.get(f"{URL}?page_size=2")
    kept = anon_api.get(f"{URL}?page_size=2")
    assert kept["X-Page-Cache"] == "hit" and kept.content == first.content
    assert alice_api.get(f"{URL}?page_size=2").content == first.content
    assert first.content == _reference(f"{URL}?page_size=2", {})[1]


def test_one_statement_per_page_on_postgresql(anon_api, product, django_assert_num_queries, settings):
    from django.db import connection

    settings.WENDAO = {**settings.WENDAO, "ANONYMOUS_PAGE_SECONDS": 0}
    TagFactory(product=product, name="wifi")
    for i in range(5):
        make_question(product=product, title=f"Question number {i}", tags=["wifi"])
    # The rows with their tags (PostgreSQL: an array per row; SQLite: a second query).
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        assert anon_api.get(f"{URL}?page_size=3").status_code == 200


def test_tag_names_keep_the_database_order(product):
    for name in ("b", "A", "固件", "a"):
        TagFactory(product=product, name=name)
    question = make_question(product=product, title="Which order?", tags=["b", "A", "固件", "a"])
    expected = list(TagModel.objects.filter(posts=question).order_by("name").values_list("name", flat=True))
    assert api_selectors.tag_names_of([question.pk])[question.pk] == expected
    assert APIClient().get(URL).json()["results"][0]["tags"] == expected

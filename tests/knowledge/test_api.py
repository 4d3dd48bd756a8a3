"""The knowledge base's API (``/api/v1/kb/``): articles, candidates, versions, misses, exports.

Each action is the one the ``/knowledge/`` pages offer, done through the same service; these
tests check that the API reaches it, refuses bad input with a 4xx and a clear message, and gives
nothing to people who are not on the knowledge team.
"""

import base64
import datetime

import pytest
from django.utils import timezone

from forum import services as forum_services
from forum.models import Post
from knowledge import services
from knowledge.models import (
    Article,
    ArticleStatus,
    ArticleVersion,
    BotMiss,
    Candidate,
    CandidateStatus,
    ExportJob,
    ReviewReason,
)
from tests.api.conftest import token_client
from tests.factories import make_question

from .conftest import endorsed_candidate, publish

pytestmark = pytest.mark.django_db

KB = "/api/v1/kb"


@pytest.fixture
def kate_api(kate):
    return token_client(kate)


@pytest.fixture
def alice_api(alice):
    return token_client(alice)


@pytest.fixture
def erin_api(erin):
    return token_client(erin)


def _error(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"status", "code", "message", "fields"} and body["status"] == status
    assert body["message"]
    return body


# --- Public articles ------------------------------------------------------------------------


def test_anyone_lists_published_articles_by_product(article, other_product):
    from rest_framework.test import APIClient

    anon = APIClient()
    response = anon.get(f"{KB}/articles/?product=router")
    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["results"]] == [article.pk]
    row = body["results"][0]
    assert row["product"] == "router" and row["version"] == 1 and row["editorial"] is None
    assert row["html_url"].endswith(article.get_absolute_url())
    assert anon.get(f"{KB}/articles/?product={other_product.slug}").json()["results"] == []


def test_article_pages_follow_the_cursor(product, erin, alice, bob, kate):
    for i in range(5):
        candidate = endorsed_candidate(product=product, expert=erin, asker=alice, answerer=bob, title=f"Question {i}")
        publish(candidate, kate)
    from rest_framework.test import APIClient

    anon, seen, url = APIClient(), [], f"{KB}/articles/?page_size=2"
    while url:
        body = anon.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(Article.objects.values_list("pk", flat=True)) and len(seen) == 5


def test_a_forged_cursor_is_a_404_not_a_crash(article):
    from rest_framework.test import APIClient

    cursor = base64.b64encode(b"p=not-a-date").decode()
    _error(APIClient().get(f"{KB}/articles/?cursor={cursor}"), 404)


def test_the_public_detail_has_the_answer_and_attribution_but_no_workflow_state(article, alice, bob):
    from rest_framework.test import APIClient

    response = APIClient().get(f"{KB}/articles/{article.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["answer_markdown"] == "Hold the reset button for ten seconds."
    assert "router factory reset" in body["alt_questions"]
    assert body["editorial"] is None
    assert {p["username"] for p in body["contributors"]} == {"alice", "bob"}
    assert body["source_url"].endswith(f"#answer-{article.source_answer_id}")
    assert Article.objects.get().view_count == 0  # the API never counts a view


def test_retired_articles_are_hidden_from_everyone_but_editors(article, kate, kate_api, alice_api):
    services.article_retire(editor=kate, article=article, reason="outdated")
    _error(alice_api.get(f"{KB}/articles/{article.pk}/"), 404)
    assert alice_api.get(f"{KB}/articles/").json()["results"] == []
    body = kate_api.get(f"{KB}/articles/{article.pk}/").json()
    assert body["editorial"]["status"] == "retired" and body["editorial"]["retire_reason"] == "outdated"
    rows = kate_api.get(f"{KB}/articles/?status=retired").json()["results"]
    assert [r["id"] for r in rows] == [article.pk]


def test_only_editors_may_filter_by_status_or_review_state(article, alice_api, kate_api):
    body = _error(alice_api.get(f"{KB}/articles/?status=retired"), 403)
    assert body["message"] == "Only the knowledge team can do this."
    _error(alice_api.get(f"{KB}/articles/?needs_review=true"), 403)
    from rest_framework.test import APIClient

    _error(APIClient().get(f"{KB}/articles/?status=any"), 401)
    assert kate_api.get(f"{KB}/articles/?status=any").status_code == 200


@pytest.mark.parametrize(
    ("query", "field"),
    [("product=no-such", "product"), ("locale=xx", "locale"), ("status=gone", "status"), ("q=" + "x" * 300, "q")],
)
def test_bad_article_filters_are_a_400_naming_the_parameter(article, kate_api, query, field):
    body = _error(kate_api.get(f"{KB}/articles/?{query}"), 400)
    assert field in body["fields"]


# --- Editing: new versions, source changed, retire, reinstate -------------------------------


def test_an_editor_publishes_a_new_version_with_only_the_fields_that_change(article, kate_api):
    response = kate_api.patch(
        f"{KB}/articles/{article.pk}/",
        {"title": "Reset the router to factory settings", "note": "clearer title 更清楚"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["version"] == 2 and body["title"] == "Reset the router to factory settings"
    assert body["answer_markdown"] == "Hold the reset button for ten seconds."  # kept
    assert body["tags"] == ["reset"] and "router factory reset" in body["alt_questions"]  # kept
    versions = kate_api.get(f"{KB}/articles/{article.pk}/versions/").json()["results"]
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[1]["note"] == "clearer title 更清楚" and versions[1]["editor"]["username"] == "kate"
    diff = kate_api.get(f"{KB}/articles/{article.pk}/diff/").json()
    assert (diff["old"], diff["new"]) == (1, 2)
    assert {"op": "+", "text": "# Reset the router to factory settings"} in diff["lines"]


def test_the_source_changed_state_shows_the_diff_and_a_new_version_clears_it(article, bob, kate_api):
    answer = article.source_answer
    forum_services.post_edit(editor=bob, post=answer, body="Hold the reset button for thirty seconds.", reason="")
    article.refresh_from_db()
    assert article.needs_review == ReviewReason.SOURCE_CHANGED
    body = kate_api.get(f"{KB}/articles/{article.pk}/").json()
    assert body["editorial"]["needs_review"] == "source_changed"
    assert {"op": "+", "text": "Hold the reset button for thirty seconds."} in body["editorial"]["source_diff"]
    queue = kate_api.get(f"{KB}/articles/?needs_review=true").json()["results"]
    assert [row["id"] for row in queue] == [article.pk]
    response = kate_api.patch(
        f"{KB}/articles/{article.pk}/", {"answer_markdown": "Hold the reset button for thirty seconds."}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["editorial"]["needs_review"] == ""
    assert kate_api.get(f"{KB}/articles/?needs_review=true").json()["results"] == []


def test_retire_and_reinstate(article, kate_api):
    response = kate_api.post(
        f"{KB}/articles/{article.pk}/retire/", {"reason": "Firmware 3 changed this"}, format="json"
    )
    assert response.status_code == 200 and response.json()["editorial"]["status"] == "retired"
    body = _error(kate_api.post(f"{KB}/articles/{article.pk}/retire/", {}, format="json"), 400)
    assert body["message"] == "This article is already retired."
    assert kate_api.post(f"{KB}/articles/{article.pk}/reinstate/").json()["editorial"]["status"] == "published"
    body = _error(kate_api.post(f"{KB}/articles/{article.pk}/reinstate/"), 400)
    assert body["message"] == "This article is not retired."


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "x"}, None),  # too short: the service's rule, as a general message
        ({"locale": "xx"}, "locale"),
        ({"valid_until": "2001-01-01"}, None),
        ({"valid_until": "not a date"}, "valid_until"),
        ({"product": "no-such-product"}, "product"),
        ({"tags": "not a list"}, "tags"),
        ({"alt_questions": [{"a": 1}]}, "alt_questions"),
        ({"answer_markdown": "bad\x00"}, "answer_markdown"),
        ({"title": "x" * 2000}, "title"),
    ],
)
def test_bad_article_input_is_a_400_with_a_message(article, kate_api, payload, field):
    body = _error(kate_api.patch(f"{KB}/articles/{article.pk}/", payload, format="json"), 400)
    if field:
        assert field in body["fields"]
    assert Article.objects.get().version == 1


def test_a_body_that_is_not_an_object_is_a_400(article, kate_api):
    body = _error(kate_api.patch(f"{KB}/articles/{article.pk}/", [1, 2], format="json"), 400)
    assert body["message"] == "Send a JSON object."


def test_an_unknown_version_is_a_404(article, kate_api):
    _error(kate_api.get(f"{KB}/articles/{article.pk}/diff/?b=7"), 404)
    _error(kate_api.get(f"{KB}/articles/{article.pk}/diff/?a=x"), 400)
    assert kate_api.get(f"{KB}/articles/{article.pk}/diff/?a=0&b=1").status_code == 200


def test_unknown_articles_are_404s(kate_api):
    for method, url in [
        ("get", f"{KB}/articles/999/"),
        ("patch", f"{KB}/articles/999/"),
        ("post", f"{KB}/articles/999/retire/"),
        ("get", f"{KB}/articles/999/versions/"),
    ]:
        _error(getattr(kate_api, method)(url, {}, format="json"), 404)


# --- Candidates -----------------------------------------------------------------------------


def test_editors_list_pending_candidates_per_product_with_their_signals(candidate, kate_api, product, erin, alice, bob):
    other = endorsed_candidate(product=product, expert=erin, asker=alice, answerer=bob, title="Asked a lot")
    Post.objects.filter(pk=other.answer.question_id).update(view_count=500)
    Post.objects.filter(pk=candidate.answer_id).update(rank_score=0.9)
    Post.objects.filter(pk=other.answer_id).update(rank_score=0.1)
    by_score = kate_api.get(f"{KB}/candidates/?product=router").json()["results"]
    assert [c["id"] for c in by_score] == [candidate.pk, other.pk]
    by_demand = kate_api.get(f"{KB}/candidates/?sort=demand").json()["results"]
    assert [c["id"] for c in by_demand] == [other.pk, candidate.pk]
    row = by_demand[0]
    assert row["signals"]["demand"] == 500 and row["signals"]["question_views"] == 500
    assert row["signals"]["endorsements"] == 1 and row["endorsements"][0]["expert"]["username"] == "erin"
    assert row["reason"] == "endorsed" and row["status"] == "pending" and row["article"] is None
    assert row["question"]["title"] == "Asked a lot"
    pages = kate_api.get(f"{KB}/candidates/?sort=demand&page_size=1").json()
    assert kate_api.get(pages["next"]).json()["results"][0]["id"] == candidate.pk


def test_a_candidate_shows_its_thread_and_the_prefilled_draft(candidate, kate_api, product, alice):
    duplicate = make_question(author=alice, product=product, title="Router reset does not work")
    Post.objects.filter(pk=duplicate.pk).update(duplicate_of=candidate.answer.question)
    body = kate_api.get(f"{KB}/candidates/{candidate.pk}/").json()
    assert body["draft"]["title"] == "How do I reset the router?"
    assert body["draft"]["alt_questions"] == ["Router reset does not work"]
    assert body["draft"]["answer_markdown"] == "Hold the reset button for ten seconds."
    assert body["draft"]["product"] == "router" and body["signals"]["duplicates"] == 1
    assert [a["id"] for a in body["thread"]] == [candidate.answer_id]


def test_publishing_a_candidate_with_an_empty_body_publishes_its_draft(candidate, kate_api):
    response = kate_api.post(f"{KB}/candidates/{candidate.pk}/publish/", {}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["title"] == "How do I reset the router?" and body["version"] == 1
    assert body["editorial"]["candidate"] == candidate.pk and body["editorial"]["status"] == "published"
    assert Candidate.objects.get().status == CandidateStatus.PUBLISHED
    # Publishing twice is refused by the service: one article per answer.
    body = _error(kate_api.post(f"{KB}/candidates/{candidate.pk}/publish/", {}, format="json"), 400)
    assert "already been reviewed" in body["message"]
    assert Article.objects.count() == 1


def test_publishing_a_candidate_with_edits(candidate, kate_api, other_product):
    payload = {
        "title": "如何重置路由器？ How do I reset the router?",
        "alt_questions": ["路由器恢复出厂设置", "factory reset"],
        "answer_markdown": "按住 **reset** 键十秒。",
        "product": other_product.slug,
        "tags": ["reset"],
        "locale": "zh-hans",
        "valid_until": str(timezone.localdate() + datetime.timedelta(days=30)),
        "product_version": "2.x",
        "note": "first",
    }
    response = kate_api.post(f"{KB}/candidates/{candidate.pk}/publish/", payload, format="json")
    assert response.status_code == 201, response.json()
    article = Article.objects.get()
    assert (article.title, article.locale, article.product, article.product_version) == (
        payload["title"],
        "zh-hans",
        other_product,
        "2.x",
    )
    assert article.alt_questions == ["路由器恢复出厂设置", "factory reset"]
    assert "<strong>reset</strong>" in article.answer_html
    assert ArticleVersion.objects.get().note == "first"


def test_rejecting_needs_a_reason_and_happens_once(candidate, kate_api, kate):
    body = _error(kate_api.post(f"{KB}/candidates/{candidate.pk}/reject/", {}, format="json"), 400)
    assert "reason" in body["fields"]
    body = _error(kate_api.post(f"{KB}/candidates/{candidate.pk}/reject/", {"reason": "   "}, format="json"), 400)
    response = kate_api.post(
        f"{KB}/candidates/{candidate.pk}/reject/", {"reason": "Too specific 太具体"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "rejected" and body["reject_reason"] == "Too specific 太具体"
    assert body["reviewed_by"]["username"] == "kate"
    assert kate_api.get(f"{KB}/candidates/").json()["results"] == []
    assert [c["id"] for c in kate_api.get(f"{KB}/candidates/?status=rejected").json()["results"]] == [candidate.pk]
    body = _error(kate_api.post(f"{KB}/candidates/{candidate.pk}/reject/", {"reason": "again"}, format="json"), 400)
    assert body["message"] == "This candidate has already been reviewed."
    _error(kate_api.post(f"{KB}/candidates/{candidate.pk}/publish/", {}, format="json"), 400)


def test_bad_candidate_filters_and_unknown_candidates(candidate, kate_api):
    assert "sort" in _error(kate_api.get(f"{KB}/candidates/?sort=best"), 400)["fields"]
    assert "product" in _error(kate_api.get(f"{KB}/candidates/?product=nope"), 400)["fields"]
    _error(kate_api.get(f"{KB}/candidates/999/"), 404)
    _error(kate_api.post(f"{KB}/candidates/999/publish/", {}, format="json"), 404)
    cursor = base64.b64encode(b"p=high").decode()
    _error(kate_api.get(f"{KB}/candidates/?cursor={cursor}"), 404)


@pytest.mark.parametrize("who", ["alice", "erin", "frank"])
def test_customers_and_experts_can_do_nothing_of_the_team(request, who, article, product, erin, alice, bob):
    candidate = endorsed_candidate(product=product, expert=erin, asker=alice, answerer=bob, title="Still pending")
    api = token_client(request.getfixturevalue(who))
    for method, url in [
        ("get", f"{KB}/candidates/"),
        ("get", f"{KB}/candidates/{candidate.pk}/"),
        ("post", f"{KB}/candidates/{candidate.pk}/reject/"),
        ("post", f"{KB}/candidates/{candidate.pk}/publish/"),
        ("patch", f"{KB}/articles/{article.pk}/"),
        ("post", f"{KB}/articles/{article.pk}/retire/"),
        ("get", f"{KB}/articles/{article.pk}/versions/"),
        ("get", f"{KB}/articles/{article.pk}/diff/"),
        ("get", f"{KB}/misses/"),
        ("get", f"{KB}/exports/"),
    ]:
        body = _error(getattr(api, method)(url, {"reason": "x", "title": "Hacked title"}, format="json"), 403)
        assert body["message"] == "Only the knowledge team can do this."
    assert Candidate.objects.get(pk=candidate.pk).status == CandidateStatus.PENDING
    assert Article.objects.get().version == 1 and Article.objects.get().status == ArticleStatus.PUBLISHED


# --- Mass assignment ------------------------------------------------------------------------

FORGED = {
    "id": 987654,
    "version": 99,
    "status": "retired",
    "needs_review": "expired",
    "editorial": {"status": "retired"},
    "source_answer": 1,
    "source_revision": 42,
    "candidate": 1,
    "view_count": 9999,
    "authority": 99.0,
    "endorsed_by": ["root"],
    "published_at": "2001-01-01T00:00:00Z",
    "updated_at": "2001-01-01T00:00:00Z",
    "retired_at": "2001-01-01T00:00:00Z",
    "retire_reason": "forged",
    "answer_html": "<script>alert(1)</script>",
    "editor": 1,
    "reviewed_by": 1,
    "reject_reason": "forged",
}


def test_publishing_ignores_forged_read_only_fields(candidate, kate_api, kate, root):
    response = kate_api.post(f"{KB}/candidates/{candidate.pk}/publish/", {**FORGED, "editor": root.pk}, format="json")
    assert response.status_code == 201, response.json()
    article = Article.objects.get()
    assert article.pk != FORGED["id"] and article.version == 1 and article.status == ArticleStatus.PUBLISHED
    assert article.needs_review == "" and article.view_count == 0 and article.source_answer_id == candidate.answer_id
    assert article.candidate_id == candidate.pk and article.source_revision != 42 and article.retired_at is None
    assert "<script>" not in article.answer_html and article.published_at.year != 2001
    assert ArticleVersion.objects.get().editor == kate
    assert Candidate.objects.get().reviewed_by == kate


def test_a_new_version_ignores_forged_read_only_fields(article, kate_api, kate):
    response = kate_api.patch(f"{KB}/articles/{article.pk}/", {**FORGED, "note": "n"}, format="json")
    assert response.status_code == 200, response.json()
    article.refresh_from_db()
    assert article.version == 2 and article.status == ArticleStatus.PUBLISHED and article.view_count == 0
    assert article.retire_reason == "" and article.updated_at.year != 2001


def test_rejecting_and_retiring_ignore_forged_fields(candidate, article, kate_api, kate, root):
    kate_api.post(f"{KB}/candidates/{candidate.pk}/reject/", {**FORGED, "reason": "no", "reviewed_by": root.pk})
    kate_api.post(f"{KB}/articles/{article.pk}/retire/", {**FORGED, "reason": "old", "retired_by": root.pk})
    # The candidate was published already (the article fixture), so the rejection is refused.
    assert Candidate.objects.get(pk=candidate.pk).status == CandidateStatus.PUBLISHED
    article.refresh_from_db()
    assert article.retired_by == kate and article.retire_reason == "old" and article.retired_at.year != 2001


# --- Misses and exports ---------------------------------------------------------------------


def test_editors_see_bot_misses_most_asked_first(kate_api, product):
    BotMiss.objects.create(product=product, text="firmware rollback", tokens=["firmware", "rollback"], count=3)
    BotMiss.objects.create(product=None, text="opening hours", tokens=["opening", "hours"], count=9)
    rows = kate_api.get(f"{KB}/misses/").json()["results"]
    assert [(r["text"], r["product"], r["count"]) for r in rows] == [
        ("opening hours", None, 9),
        ("firmware rollback", "router", 3),
    ]
    assert [r["text"] for r in kate_api.get(f"{KB}/misses/?product=router").json()["results"]] == ["firmware rollback"]
    assert kate_api.get(f"{KB}/misses/?resolved=true").json()["results"] == []
    _error(kate_api.get(f"{KB}/misses/?resolved=maybe"), 400)


def test_editors_read_the_export_history_newest_first(kate_api, kate, product):
    first = ExportJob.objects.create(requested_by=kate, format="jsonl", product=product)
    second = ExportJob.objects.create(requested_by=kate, format="rasa")
    rows = kate_api.get(f"{KB}/exports/").json()["results"]
    assert [r["id"] for r in rows] == [second.pk, first.pk]
    assert rows[1]["product"] == "router" and rows[0]["status_url"].endswith(f"/api/v1/kb/exports/{second.pk}/")


def test_every_get_leaves_the_database_unchanged(article, candidate, kate_api):
    from django.db import connection

    def snapshot():
        with connection.cursor() as cursor:
            tables = ["knowledge_article", "knowledge_candidate", "knowledge_articleversion", "knowledge_botmiss"]
            rows = {}
            for table in tables:
                cursor.execute(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608
                rows[table] = cursor.fetchall()
            return rows

    before = snapshot()
    for url in [
        f"{KB}/articles/",
        f"{KB}/articles/{article.pk}/",
        f"{KB}/articles/{article.pk}/versions/",
        f"{KB}/articles/{article.pk}/diff/",
        f"{KB}/candidates/?status=any",
        f"{KB}/candidates/{candidate.pk}/",
        f"{KB}/misses/",
    ]:
        assert kate_api.get(url).status_code == 200, url
    assert snapshot() == before


def test_an_export_downloads_with_a_personal_token(kate_api, kate, article):
    from knowledge.tasks import export_run

    job = ExportJob.objects.create(requested_by=kate, format="jsonl")
    _error(kate_api.get(f"{KB}/exports/{job.pk}/download/"), 404)  # not finished yet
    export_run(job.pk)
    status = kate_api.get(f"{KB}/exports/{job.pk}/").json()
    response = kate_api.get(status["download_url"], HTTP_ACCEPT="application/jsonl")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/jsonl")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 1 and str(article.pk) in lines[0]
    ExportJob.objects.filter(pk=job.pk).update(file_name="gone.jsonl")
    body = _error(kate_api.get(f"{KB}/exports/{job.pk}/download/"), 404)
    assert body["code"] == "not_found"


def test_lists_cost_a_fixed_number_of_queries(kate_api, product, erin, alice, bob, kate, django_assert_max_num_queries):
    for i in range(6):
        candidate = endorsed_candidate(product=product, expert=erin, asker=alice, answerer=bob, title=f"Question {i}")
        if i % 2:
            publish(candidate, kate)
    # Token lookup and "last used" (3), the product (1), the rows (1), their endorsements (1).
    with django_assert_max_num_queries(7):
        response = kate_api.get(f"{KB}/candidates/?product=router&status=any&sort=demand")
    assert len(response.json()["results"]) == 6
    with django_assert_max_num_queries(6):
        response = kate_api.get(f"{KB}/articles/?product=router")
    assert len(response.json()["results"]) == 3

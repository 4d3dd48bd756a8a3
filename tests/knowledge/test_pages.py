import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from forum import services as forum_services
from knowledge import services
from knowledge.models import Article, ArticleStatus, CandidateStatus, ExportJob, ReviewReason

from .conftest import endorsed_candidate

pytestmark = pytest.mark.django_db

EDITOR_PAGES = [
    "/knowledge/",
    "/knowledge/articles/",
    "/knowledge/misses/",
    "/knowledge/exports/",
]


@pytest.mark.parametrize("url", EDITOR_PAGES)
def test_customers_and_experts_get_403_and_visitors_are_asked_to_log_in(url, alice_client, erin_client, client):
    assert alice_client.get(url).status_code == 403
    assert erin_client.get(url).status_code == 403
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_non_editors_cannot_review_publish_retire_or_download(candidate, article, alice_client, erin_client):
    for c in (alice_client, erin_client):
        assert c.get(f"/knowledge/candidates/{candidate.pk}/").status_code == 403
        assert c.post(f"/knowledge/candidates/{candidate.pk}/", {"action": "reject", "reason": "x"}).status_code == 403
        assert c.post(f"/knowledge/articles/{article.pk}/retire/").status_code == 403
        assert c.get(f"/knowledge/articles/{article.pk}/edit/").status_code == 403
    assert Article.objects.get().status == ArticleStatus.PUBLISHED


def test_the_nav_link_shows_only_for_knowledge_editors(kate_client, alice_client):
    assert 'href="/knowledge/"' in kate_client.get("/").content.decode()
    assert 'href="/knowledge/"' not in alice_client.get("/").content.decode()


def test_the_queue_lists_candidates_sorted_by_score_and_by_demand(kate_client, product, erin, alice, bob):
    low = endorsed_candidate(product=product, expert=erin, asker=alice, answerer=bob, title="Low score but asked a lot")
    high = endorsed_candidate(product=product, expert=erin, asker=alice, answerer=bob, title="High score, nobody asks")
    low.answer.__class__.objects.filter(pk=low.answer.question_id).update(view_count=500)
    low.answer.__class__.objects.filter(pk=low.answer.pk).update(rank_score=0.1)
    high.answer.__class__.objects.filter(pk=high.answer.pk).update(rank_score=0.9)
    by_score = kate_client.get("/knowledge/?sort=score").content.decode()
    assert by_score.index("High score, nobody asks") < by_score.index("Low score but asked a lot")
    by_demand = kate_client.get("/knowledge/?sort=demand&product=router").content.decode()
    assert by_demand.index("Low score but asked a lot") < by_demand.index("High score, nobody asks")


def test_the_queue_costs_a_fixed_number_of_queries(
    kate_client, product, erin, alice, bob, django_assert_max_num_queries
):
    for i in range(6):
        endorsed_candidate(product=product, expert=erin, asker=alice, answerer=bob, title=f"Question number {i}")
    with django_assert_max_num_queries(12):
        response = kate_client.get("/knowledge/?sort=demand")
    assert response.content.decode().count("/knowledge/candidates/") == 6


def test_the_review_screen_prefills_phrasings_from_duplicates(kate_client, candidate, product, alice, erin):
    from tests.factories import make_question

    duplicate = make_question(author=alice, product=product, title="Router reset does not work")
    duplicate.__class__.objects.filter(pk=duplicate.pk).update(duplicate_of=candidate.answer.question)
    page = kate_client.get(f"/knowledge/candidates/{candidate.pk}/").content.decode()
    assert "Router reset does not work" in page  # an alternative phrasing
    assert "Hold the reset button for ten seconds." in page  # the source thread and the answer field
    assert 'value="How do I reset the router?"' in page


def test_publishing_from_the_review_screen_makes_a_versioned_article(kate_client, kate, candidate, product):
    data = {
        "action": "publish",
        "title": "Reset the router to factory settings",
        "alt_questions": "How do I reset the router?\nrouter factory reset\n\nrouter factory reset",
        "answer_markdown": "Hold **reset** for ten seconds.",
        "product": product.pk,
        "tags": "reset",
        "locale": "en",
        "valid_until": "",
        "product_version": "2.x",
        "note": "first",
    }
    response = kate_client.post(f"/knowledge/candidates/{candidate.pk}/", data)
    article = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/knowledge/articles/{article.pk}/"
    assert article.alt_questions == ["How do I reset the router?", "router factory reset"]
    assert article.answer_html == "<p>Hold <strong>reset</strong> for ten seconds.</p>\n"
    assert (article.version, article.source_answer, article.source_revision) == (1, candidate.answer, 1)
    # A second submit of the same form does not make a second article.
    again = kate_client.post(f"/knowledge/candidates/{candidate.pk}/", data)
    assert again.status_code == 400 and Article.objects.count() == 1


def test_bad_review_input_is_a_400_with_the_message(kate_client, candidate, product):
    data = {"action": "publish", "title": "abc", "answer_markdown": "short", "product": product.pk, "locale": "en"}
    response = kate_client.post(f"/knowledge/candidates/{candidate.pk}/", data)
    assert response.status_code == 400
    assert "at least 5 characters" in response.content.decode()
    tomorrow_ago = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    data.update(title="A good title", answer_markdown="A long enough answer.", valid_until=tomorrow_ago)
    response = kate_client.post(f"/knowledge/candidates/{candidate.pk}/", data)
    assert response.status_code == 400 and "must be a date in the future" in response.content.decode()
    assert not Article.objects.exists()


def test_rejecting_from_the_review_screen(kate_client, candidate):
    assert kate_client.post(f"/knowledge/candidates/{candidate.pk}/", {"action": "reject"}).status_code == 400
    response = kate_client.post(
        f"/knowledge/candidates/{candidate.pk}/", {"action": "reject", "reason": "Too specific"}
    )
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.REJECTED and candidate.reject_reason == "Too specific"


def test_editing_the_source_marks_the_article_source_changed_and_rereview_makes_version_2(
    kate_client, article, bob, product
):
    forum_services.post_edit(editor=bob, post=article.source_answer, body="Hold the reset button for 15 seconds now.")
    article.refresh_from_db()
    assert article.needs_review == ReviewReason.SOURCE_CHANGED
    queue = kate_client.get("/knowledge/").content.decode()
    assert f"/knowledge/articles/{article.pk}/edit/" in queue and "Source changed" in queue
    edit_page = kate_client.get(f"/knowledge/articles/{article.pk}/edit/").content.decode()
    assert "+ Hold the reset button for 15 seconds now." in edit_page  # the source diff
    response = kate_client.post(
        f"/knowledge/articles/{article.pk}/edit/",
        {"title": article.title, "alt_questions": "", "answer_markdown": "Hold reset for 15 seconds.",
         "product": product.pk, "tags": "reset", "locale": "en", "note": "source changed"},
    )  # fmt: skip
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.version, article.needs_review, article.source_revision) == (2, "", 2)
    versions = kate_client.get(f"/knowledge/articles/{article.pk}/").content.decode()
    assert "- Hold the reset button for ten seconds." in versions and "+ Hold reset for 15 seconds." in versions
    assert kate_client.get(f"/knowledge/articles/{article.pk}/?a=1&b=2").status_code == 200
    assert kate_client.get(f"/knowledge/articles/{article.pk}/?a=7&b=2").status_code == 404
    assert kate_client.get(f"/knowledge/articles/{article.pk}/?a=x").status_code == 400


def test_retire_and_reinstate_from_the_pages(kate_client, article, client):
    assert client.get(article.get_absolute_url()).status_code == 200
    assert kate_client.post(f"/knowledge/articles/{article.pk}/retire/", {"reason": "Old"}).status_code == 302
    article.refresh_from_db()
    assert article.status == ArticleStatus.RETIRED and article.retire_reason == "Old"
    assert client.get(article.get_absolute_url()).status_code == 404
    assert kate_client.post(f"/knowledge/articles/{article.pk}/retire/").status_code == 400  # already retired
    assert kate_client.post(f"/knowledge/articles/{article.pk}/reinstate/").status_code == 302
    assert client.get(article.get_absolute_url()).status_code == 200


def test_articles_past_valid_until_come_back_for_reverification(kate_client, article):
    Article.objects.filter(pk=article.pk).update(valid_until=timezone.localdate())
    assert services.articles_flag_expired() == 1
    article.refresh_from_db()
    assert article.needs_review == ReviewReason.EXPIRED
    assert "Past its valid-until date" in kate_client.get("/knowledge/").content.decode()


def test_the_public_article_page_credits_the_source_thread_and_its_authors(client, article, alice, bob, erin):
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Hold the reset button for ten seconds." in page
    assert article.source_answer.get_absolute_url() in page
    assert bob.name in page and alice.name in page and f"Endorsed by {erin.name}" in page
    assert client.get(f"/kb/{article.pk}/wrong-slug/")["Location"] == article.get_absolute_url()
    assert article.title in client.get("/kb/p/router/").content.decode()


def test_the_export_button_runs_the_task_and_offers_a_download(
    kate_client, kate, article, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = kate_client.post(
            "/knowledge/exports/", {"format": "jsonl", "product": "", "locale": "", "since": ""}
        )
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert (job.status, job.article_count, job.progress, job.requested_by) == ("done", 1, 100, kate)
    history = kate_client.get("/knowledge/exports/").content.decode()
    assert f"/knowledge/exports/{job.pk}/download/" in history and "kate" in history
    download = kate_client.get(f"/knowledge/exports/{job.pk}/download/")
    assert download.status_code == 200 and download["Content-Type"].startswith("application/jsonl")
    assert b'"id":%d' % article.pk in b"".join(download.streaming_content)
    assert kate_client.get(f"/knowledge/exports/{job.pk}/").status_code == 200


def test_a_running_export_row_polls_for_progress(kate_client, kate):
    job = ExportJob.objects.create(requested_by=kate, format="jsonl", status="running", progress=40)
    row = kate_client.get(f"/knowledge/exports/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in row and 'value="40"' in row


def test_a_bad_export_request_is_a_400(kate_client):
    response = kate_client.post("/knowledge/exports/", {"format": "pdf"})
    assert response.status_code == 400 and not ExportJob.objects.exists()


def test_the_export_api_starts_a_job_and_reports_its_download(kate, article, django_capture_on_commit_callbacks):
    api = Client()
    api.force_login(kate)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/kb/exports/", {"format": "azure-tsv", "product": "router"}, content_type="application/json"
        )
    assert response.status_code == 202
    job_id = response.json()["id"]
    status = api.get(f"/api/v1/kb/exports/{job_id}/").json()
    assert status["status"] == "done" and status["article_count"] == 1
    assert status["download_url"] == f"http://testserver/api/v1/kb/exports/{job_id}/download/"
    download = api.get(status["download_url"])
    assert download.status_code == 200 and download["Content-Type"].startswith("text/tab-separated-values")
    bad = api.post("/api/v1/kb/exports/", {"format": "pdf"}, content_type="application/json")
    assert bad.status_code == 400 and "format" in bad.json()["fields"]


def test_the_export_api_refuses_non_editors(alice_client):
    response = alice_client.post("/api/v1/kb/exports/", {"format": "jsonl"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["message"] == "Only the knowledge team can do this."


def test_export_download_of_a_missing_file_is_a_404(kate_client, kate):
    job = ExportJob.objects.create(requested_by=kate, format="jsonl", status="done", file_name="gone.jsonl")
    assert kate_client.get(f"/knowledge/exports/{job.pk}/download/").status_code == 404


def test_bot_misses_page_shows_open_groups(kate_client, client, article):
    client.get("/api/v1/kb/answer", {"q": "Can the router make coffee?", "product": "router"})
    page = kate_client.get(reverse("knowledge:misses") + "?product=router").content.decode()
    assert "Can the router make coffee?" in page


def test_the_admin_lists_knowledge_rows(article, root):
    admin = Client()
    admin.force_login(root)
    for url in [
        "/admin/knowledge/article/",
        f"/admin/knowledge/article/{article.pk}/change/",
        "/admin/knowledge/candidate/",
    ]:
        assert admin.get(url).status_code == 200, url

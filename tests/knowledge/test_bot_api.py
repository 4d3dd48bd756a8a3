import pytest
from django.core.cache import cache

from forum import hooks
from knowledge import retrieval, selectors, services
from knowledge.models import BotMiss, BotQuery

from .conftest import endorsed_candidate, publish

pytestmark = pytest.mark.django_db

URL = "/api/v1/kb/answer"


@pytest.fixture
def zh_article(product, erin, alice, bob, kate):
    candidate = endorsed_candidate(
        product=product,
        expert=erin,
        asker=alice,
        answerer=bob,
        title="路由器怎么恢复出厂设置？",
        body="按住路由器背面的复位键十秒钟，指示灯闪烁后松开。",
    )
    return publish(candidate, kate, locale="zh-hans", alt_questions=["路由器重置", "忘记管理员密码怎么办"])


def test_tokenize_handles_english_and_chinese():
    assert retrieval.tokenize("How do I reset my Routers?") == ["reset", "router"]
    tokens = retrieval.tokenize("路由器怎么恢复出厂设置")
    assert "路由器" in tokens and "恢复" in tokens and "怎么" not in tokens


def test_anonymise_drops_emails_links_and_numbers_but_keeps_words():
    text = retrieval.anonymise("I am bob@example.com, order 12345678, call +86 138 0013 8000, see https://x.y/z v2.1")
    assert "bob@" not in text and "12345678" not in text and "138" not in text and "https" not in text
    assert text.startswith("I am <email>, order <number>") and "v2.1" in text


def test_the_bot_answers_in_english_with_a_link_and_version(client, article):
    response = client.get(URL, {"q": "how can I reset the router", "product": "router"})
    assert response.status_code == 200
    body = response.json()
    assert body["answered"] is True
    best = body["articles"][0]
    assert best["id"] == article.pk and best["version"] == 1
    assert 0.5 <= best["confidence"] <= 1.0 and best["confidence"] == body["confidence"]
    assert best["answer_markdown"] == article.answer_markdown
    assert best["answer_text"] == "Hold the reset button for ten seconds."
    assert best["url"] == "http://testserver" + article.get_absolute_url()
    query = BotQuery.objects.get()
    assert (query.article, query.miss, query.text) == (article, None, "how can I reset the router")


def test_an_exact_phrasing_gives_full_confidence(client, article):
    body = client.get(URL, {"q": "Reset my router to defaults"}).json()
    assert body["confidence"] == 1.0


def test_the_bot_answers_in_chinese(client, zh_article, article):
    body = client.get(URL, {"q": "忘记了管理员密码怎么办", "locale": "zh-hans"}).json()
    assert body["answered"] is True
    assert [a["id"] for a in body["articles"]] == [zh_article.pk]
    assert body["articles"][0]["locale"] == "zh-hans"


def test_unrelated_questions_are_misses_grouped_by_similarity(client, article, product):
    for q in ["Does the camera app support dark mode?", "dark mode support in the app", "What is the warranty period?"]:
        body = client.get(URL, {"q": q, "product": "router"}).json()
        assert body["answered"] is False and body["confidence"] < 0.5
    groups = {m.text: m.count for m in BotMiss.objects.all()}
    assert groups == {"Does the camera app support dark mode?": 2, "What is the warranty period?": 1}
    assert BotQuery.objects.filter(miss__isnull=False).count() == 3
    # The product's experts get them through the forum's hook, most asked first.
    [misses] = hooks.call("experts.bot_misses", product, 10)
    assert [(m["query"], m["count"]) for m in misses] == [
        ("Does the camera app support dark mode?", 2),
        ("What is the warranty period?", 1),
    ]


def test_a_miss_is_resolved_when_an_article_later_covers_it(
    client, product, erin, alice, bob, kate, django_capture_on_commit_callbacks
):
    client.get(URL, {"q": "How long is the warranty period?", "product": "router"})
    miss = BotMiss.objects.get()
    candidate = endorsed_candidate(
        product=product, expert=erin, asker=alice, answerer=bob, title="What is the warranty period of the router?"
    )
    with django_capture_on_commit_callbacks(execute=True):
        article = publish(candidate, kate, alt_questions=["how long is the warranty"])
    miss.refresh_from_db()
    assert miss.resolved_at is not None and miss.resolved_by == article
    assert client.get(URL, {"q": "How long is the warranty period?", "product": "router"}).json()["answered"]


def test_retired_articles_are_not_answered_and_reinstated_ones_are(client, article, kate):
    services.article_retire(editor=kate, article=article, reason="Old firmware")
    assert client.get(URL, {"q": "reset my router to defaults"}).json()["articles"] == []
    services.article_reinstate(editor=kate, article=article)
    assert client.get(URL, {"q": "reset my router to defaults"}).json()["articles"][0]["id"] == article.pk


def test_another_process_sees_a_publish_through_the_generation_token(client, article, product, erin, alice, bob, kate):
    other_process = retrieval.ArticleIndex()
    assert [h.article_id for h in other_process.search("reset router")] == [article.pk]
    candidate = endorsed_candidate(
        product=product, expert=erin, asker=alice, answerer=bob, title="How to update the firmware?"
    )
    second = publish(candidate, kate)
    assert [h.article_id for h in other_process.search("update firmware")] == [second.pk]
    cache.clear()  # a flushed cache makes every process rebuild
    assert len(other_process.search("update firmware")) == 1 and len(other_process) == 2


@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "x" * 501}, "q"),
        ({"q": "reset", "locale": "fr"}, "locale"),
        ({"q": "reset", "limit": "0"}, "limit"),
        ({"q": "reset", "limit": "many"}, "limit"),
    ],
)
def test_bad_input_gets_a_400_in_the_api_error_shape(client, params, field):
    response = client.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and field in body["fields"] and body["message"]


def test_an_unknown_product_is_a_404_in_the_api_error_shape(client):
    response = client.get(URL, {"q": "reset", "product": "nope"})
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_a_query_with_only_stopwords_or_symbols_is_a_logged_miss_not_an_error(client, article):
    body = client.get(URL, {"q": "??? how what"}).json()
    assert body == {"query": "??? how what", "confidence": 0.0, "answered": False, "articles": []}


def test_bot_query_stats_and_weekly_figures(client, article, product):
    client.get(URL, {"q": "reset my router to defaults", "product": "router"})
    client.get(URL, {"q": "does it make coffee", "product": "router"})
    today = article.published_at.date()
    stats = selectors.bot_query_stats(product, today, today)
    assert stats == {"queries": 2, "misses": 1, "hits": 1, "hit_rate": 0.5}
    assert selectors.articles_published_count(product, today, today) == 1
    [weekly] = hooks.call("analytics.knowledge_weekly", [product.pk], today, today)
    assert list(weekly.values()) == [{"articles_published": 1, "bot_queries": 2, "bot_hits": 1}]


def test_anonymous_bots_are_throttled_and_token_holders_are_not(client, article, settings, alice):
    settings.KNOWLEDGE = {**settings.KNOWLEDGE, "BOT_ANON_RATE": "2/minute"}
    assert [client.get(URL, {"q": "reset"}).status_code for _ in range(3)] == [200, 200, 429]
    body = client.get(URL, {"q": "reset"}).json()
    assert body["status"] == 429 and body["message"]
    from django.test import Client

    signed_in = Client()
    signed_in.force_login(alice)
    assert [signed_in.get(URL, {"q": "reset"}).status_code for _ in range(3)] == [200, 200, 200]

"""The bot's question log in plain SQL (``knowledge.bot_log``) records what the ORM recorded:
the same rows, and misses grouped exactly as the ORM code grouped them."""

import random

import pytest
from django.db import connection
from django.utils import timezone

from knowledge import bot_log, retrieval, services
from knowledge.models import BotMiss, BotQuery

pytestmark = pytest.mark.django_db

WORDS = ["router", "reset", "wifi", "slow", "password", "camera", "night", "mode", "app", "firmware"]


def orm_group_choice(text: str, product) -> int | None:
    """The ORM grouping that ``knowledge.bot_log`` replaced, kept as the reference."""
    tokens = sorted(set(retrieval.tokenize(text)))
    recent = BotMiss.objects.filter(product=product, resolved_at__isnull=True).order_by("-last_seen")
    best, best_similarity = None, 0.0
    for group_id, group_tokens, group_text in recent.values_list("pk", "tokens", "text")[: services.MISS_GROUP_WINDOW]:
        score = retrieval.similarity(tokens, group_tokens) if tokens else float(group_text == text)
        if score > best_similarity:
            best, best_similarity = group_id, score
    return best if best is not None and best_similarity >= services.MISS_GROUP_SIMILARITY else None


def ask(text: str, product=None, *, miss: bool = True, article_id=None, locale: str = "") -> BotQuery:
    services.bot_query_log(
        query=text, product=product, locale=locale, confidence=0.1 if miss else 0.9, article_id=article_id, is_miss=miss
    )
    return BotQuery.objects.order_by("-pk").first()


def test_misses_join_the_group_the_orm_code_chose(product, other_product, monkeypatch):
    # A small window, so that which groups are in it matters; resolved groups drop out.
    monkeypatch.setattr(services, "MISS_GROUP_WINDOW", 6)
    rng = random.Random(8)
    joined = started = 0
    for step in range(150):
        words = rng.sample(WORDS, rng.randint(1, 3))
        text = " ".join(words) if rng.random() > 0.1 else rng.choice(["how what", "???", "can you"])
        where = rng.choice([product, other_product, None])
        expected = orm_group_choice(retrieval.anonymise(text), where)
        count_before = BotMiss.objects.get(pk=expected).count if expected else None
        query = ask(text, where)
        if expected is None:
            started += 1
            group = query.miss
            assert (group.text, group.count, group.product) == (retrieval.anonymise(text), 1, where)
            assert group.tokens == sorted(set(retrieval.tokenize(text)))
            assert group.first_seen == group.last_seen == query.created_at
        else:
            joined += 1
            group = BotMiss.objects.get(pk=expected)
            assert query.miss_id == expected, step
            assert (group.count, group.last_seen) == (count_before + 1, query.created_at)
        if step % 10 == 9:
            BotMiss.objects.filter(pk=query.miss_id).update(resolved_at=timezone.now())
    assert joined > 30 and started > 30  # both ways were taken, many times
    assert BotQuery.objects.count() == 150 and not BotQuery.objects.filter(article__isnull=False).exists()


def test_a_logged_question_is_the_row_the_orm_wrote(article, product):
    before = timezone.now()
    text = "Reset my router, order 12345678, me@example.com"
    hit = ask(text, product, miss=False, article_id=article.pk, locale="en")
    assert (hit.product, hit.locale, hit.text, hit.confidence, hit.article, hit.miss) == (
        product,
        "en",
        "Reset my router, order <number>, <email>",
        0.9,
        article,
        None,
    )
    assert before <= hit.created_at <= timezone.now()
    miss = ask("does it make coffee", None, locale="zh-hans")
    assert (miss.product, miss.locale, miss.article, miss.miss.text) == (None, "zh-hans", None, "does it make coffee")
    assert miss.miss.locale == "zh-hans" and miss.miss.tokens == ["coffee", "make"]


def test_a_groups_tokens_are_read_from_its_row_whatever_its_id(product):
    # Token sets are kept per process under the stored JSON, never under the id: an id used
    # again (SQLite after a rollback, a flushed database) must not bring back old tokens.
    first = ask("firmware rollback", product).miss
    BotMiss.objects.filter(pk=first.pk).delete()
    BotMiss.objects.create(pk=first.pk, product=product, text="night mode", tokens=["mode", "night"])
    assert ask("firmware rollback", product).miss_id != first.pk
    assert ask("night mode please", product).miss_id == first.pk
    assert (first.pk, frozenset({"mode", "night"}), "night mode") in bot_log.open_groups(product_id=product.pk, limit=9)


@pytest.mark.postgres
@pytest.mark.parametrize("miss", ["new group", "joined group", "hit"])
def test_the_log_does_not_wait_for_the_wal_flush(product, article, miss):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    if miss == "joined group":
        ask("wifi slow", product)
    # The test runs in a transaction: the setting made for the log's commit is still visible.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO ON")
    ask("wifi slow", product, miss=miss != "hit", article_id=article.pk)
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("off",)

"""Pages cost a fixed number of SQL queries, however many answers, comments or questions there are.

Counts are taken on the second request for a page: the first fills the caches every Wendao
deployment has (the signed-in user's roles, the product's experts), as a running site's are. The
cold-cache count is checked too, so a cache miss cannot hide an N+1 either.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forum import services
from forum.models import Comment, Post, PostKind, Product, Revision, Vote
from tests.factories import ProductFactory, TagFactory, UserFactory, make_question

pytestmark = pytest.mark.django_db

QUESTION_PAGE_LIMIT = 8
SIZES = (1, 10, 50, 200)


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries.captured_queries)


def _warm_count(client: Client, url: str) -> int:
    client.get(url)
    return _count(client, url)


def _grow_to(question: Post, size: int, authors: list, voter) -> None:
    """Add answers (each with two comments) until the question has ``size`` of them.

    Rows are written in bulk to keep the test quick; the fields the page reads are filled the
    way the services fill them.
    """
    existing = Post.objects.filter(question=question).count()
    now = timezone.now()
    answers = Post.objects.bulk_create(
        Post(
            kind=PostKind.ANSWER,
            product_id=question.product_id,
            question=question,
            author=authors[n % len(authors)],
            body=f"Answer number {n}.",
            body_html=f"<p>Answer number {n}.</p>",
            score=n % 7,
            created_at=now,
            last_activity_at=now,
        )
        for n in range(existing, size)
    )
    Revision.objects.bulk_create(
        Revision(post=a, number=1, author=a.author, body=a.body, created_at=now) for a in answers
    )
    Comment.objects.bulk_create(
        Comment(post=a, author=authors[(n + i + 1) % len(authors)], body="Thanks!", body_html="<p>Thanks!</p>")
        for n, a in enumerate(answers)
        for i in range(2)
    )
    Vote.objects.bulk_create(
        Vote(post=a, voter=voter, value=1 if n % 2 else -1) for n, a in enumerate(answers) if a.author_id != voter.pk
    )
    Post.objects.filter(pk=question.pk).update(answer_count=size)


@pytest.fixture
def thread(product, alice, bob, erin, frank):
    """A question with one accepted, one edited and one deleted answer, comments and votes."""
    question = make_question(author=alice, product=product, title="Router keeps rebooting", tags=["power", "wifi"])
    services.comment_add(author=bob, post=question, body="Which model is it?")
    first = services.answer_post(author=erin, question=question, body="Update the firmware first.")
    services.answer_accept(user=alice, answer=first)
    services.post_edit(editor=erin, post=first, body="Update the firmware first, then reboot.", reason="clearer")
    deleted = services.answer_post(author=frank, question=question, body="This one gets deleted.")
    services.post_delete(user=frank, post=deleted)
    return question


@pytest.fixture
def readers(bob, erin):
    bob_client, erin_client = Client(), Client()
    bob_client.force_login(bob)
    erin_client.force_login(erin)
    # Anonymous visitor, a customer who voted, and the product's expert (who also sees deleted posts).
    return {"anonymous": Client(), "customer": bob_client, "expert": erin_client}


def test_question_page_queries_stay_flat_as_answers_grow(thread, readers, alice, bob, erin, frank):
    url = thread.get_absolute_url()
    authors = [alice, erin, frank, UserFactory(), UserFactory()]
    counts: dict[str, list[int]] = {name: [] for name in readers}
    for client in readers.values():
        client.get(url)  # fill the caches once; the new answers below must not need more
    for size in SIZES:
        _grow_to(thread, size, authors, voter=bob)
        for name, client in readers.items():
            counts[name].append(_count(client, url))
    for name, per_size in counts.items():
        assert max(per_size) <= QUESTION_PAGE_LIMIT, (name, dict(zip(SIZES, per_size, strict=True)))
        assert len(set(per_size)) == 1, (name, dict(zip(SIZES, per_size, strict=True)))


def test_question_page_really_shows_all_of_it(thread, readers, alice, bob, erin, frank, settings):
    # All 50 on one page (answers come 30 a page by default: tests/forum/test_answer_pages.py).
    settings.WENDAO = {**settings.WENDAO, "ANSWERS_PER_PAGE": 50}
    _grow_to(thread, 50, [alice, erin, frank], voter=bob)
    html = readers["customer"].get(thread.get_absolute_url()).content.decode()
    assert html.count('<article class="answer') == 50 - 1  # the deleted answer is hidden from customers
    assert html.count("Thanks!") == 2 * 48  # two on each bulk-made answer
    expert_html = readers["expert"].get(thread.get_absolute_url()).content.decode()
    assert "This one gets deleted." in expert_html


def test_question_page_with_cold_caches_does_not_grow_either(thread, readers, alice, bob, erin, frank, settings):
    from django.core.cache import cache

    url = thread.get_absolute_url()
    counts = []
    for size in (1, 50):
        _grow_to(thread, size, [alice, erin, frank], voter=bob)
        cache.clear()
        counts.append(_count(readers["customer"], url))
    assert counts[0] == counts[1], counts
    # Cache misses cost one query each, whatever the size: the session, the user's roles, the
    # product's experts and the authority index's settings.
    assert counts[0] <= QUESTION_PAGE_LIMIT + 4


@pytest.mark.parametrize("reader", ["anonymous", "customer"])
def test_question_page_within_the_limit_with_django_assert(
    thread, readers, reader, django_assert_max_num_queries, alice, bob, erin, frank
):
    _grow_to(thread, 10, [alice, erin, frank], voter=bob)
    client = readers[reader]
    client.get(thread.get_absolute_url())
    with django_assert_max_num_queries(QUESTION_PAGE_LIMIT):
        client.get(thread.get_absolute_url())


def _add_questions(product, count: int, author, tags) -> None:
    now = timezone.now()
    questions = Post.objects.bulk_create(
        Post(
            kind=PostKind.QUESTION,
            product=product,
            author=author if n % 2 else UserFactory(),
            title=f"Question number {n}",
            body="Details of the question.",
            body_html="<p>Details of the question.</p>",
            created_at=now,
            last_activity_at=now,
        )
        for n in range(count)
    )
    through = Post.tags.through
    through.objects.bulk_create(
        through(post_id=q.pk, tag_id=tag.pk) for n, q in enumerate(questions) for tag in tags[: 1 + n % 3]
    )


@pytest.mark.parametrize("query", ["", "?sort=newest", "?sort=votes", "?sort=unanswered", "?tag=wifi", "?page=2"])
def test_product_page_queries_do_not_grow_with_questions(product, readers, alice, query):
    tags = [TagFactory(product=product, name=name) for name in ("wifi", "power", "setup")]
    url = product.get_absolute_url() + query
    counts: dict[str, list[int]] = {"anonymous": [], "customer": []}
    for total in (25, 60, 120):
        _add_questions(product, total - Post.objects.filter(kind="q").count(), alice, tags)
        for name in counts:
            counts[name].append(_warm_count(readers[name], url))
    for name, per_size in counts.items():
        assert len(set(per_size)) == 1, (name, per_size)
        assert per_size[0] <= QUESTION_PAGE_LIMIT, (name, per_size)


def test_home_page_queries_do_not_grow_with_products(readers, alice):
    counts = []
    for total in (1, 5, 20):
        for n in range(Product.objects.count(), total):
            make_question(author=alice, product=ProductFactory(slug=f"space-{n}"))
        counts.append(_warm_count(readers["customer"], "/"))
    assert len(set(counts)) == 1, counts
    assert counts[0] <= 4


def test_profile_page_queries_do_not_grow_with_posts(readers, alice, bob, product):
    url = alice.get_absolute_url()
    counts = []
    for total in (1, 30):
        while Post.objects.filter(author=alice, kind="q").count() < total:
            n = Post.objects.count()
            question = make_question(author=alice, product=product, title=f"Alice asks question {n}")
            services.answer_post(author=alice, question=make_question(author=bob, product=product), body="Answer text.")
            services.vote_cast(voter=bob, post=question, value=1)
        counts.append(_warm_count(readers["anonymous"], url))
    assert counts[0] == counts[1], counts

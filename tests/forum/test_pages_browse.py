"""Reading pages through real HTTP: home, product page (sorts, tags, pages), question page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from forum import services
from forum.models import Post
from tests.factories import ProductFactory, TagFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def _titles(response) -> list[str]:
    return [q.title for q in response.context["page"].object_list]


def test_home_lists_products_with_question_counts(client, product, other_product, alice):
    make_question(author=alice, product=product, title="First question about it")
    make_question(author=alice, product=product, title="Second question about it")
    deleted = make_question(author=alice, product=product, title="A question later deleted")
    services.post_delete(user=alice, post=deleted)
    make_question(author=alice, product=other_product, title="Camera question here")

    response = client.get(reverse("forum:home"))

    assert response.status_code == 200
    counts = {p.slug: p.question_count for p in response.context["products"]}
    assert counts == {"router": 2, "camera": 1}
    html = response.content.decode()
    assert "Wendao Router" in html and "2 questions" in html
    assert "1 question<" in html
    assert product.get_absolute_url() in html


def test_home_without_products_says_so(client, db):
    response = client.get(reverse("forum:home"))
    assert response.status_code == 200
    assert "No product spaces yet." in response.content.decode()


@pytest.fixture
def four_questions(product, alice, bob):
    """Four questions whose order differs under every sort."""
    now = timezone.now()
    old = make_question(author=alice, product=product, title="Oldest but popular", tags=["wifi"])
    mid = make_question(author=alice, product=product, title="Middle with an answer", tags=["setup"])
    new = make_question(author=alice, product=product, title="Newest one of all", tags=["wifi", "setup"])
    quiet = make_question(author=bob, product=product, title="Quiet unanswered one")
    for days, question in ((10, old), (5, mid), (1, new), (3, quiet)):
        Post.objects.filter(pk=question.pk).update(
            created_at=now - timedelta(days=days), last_activity_at=now - timedelta(days=days)
        )
    services.vote_cast(voter=bob, post=old, value=1)
    make_answer(question=mid, author=bob)  # also makes `mid` the most recently active
    make_answer(question=old, author=bob)
    Post.objects.filter(pk=old.pk).update(last_activity_at=now - timedelta(days=2))
    return old, mid, new, quiet


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["Newest one of all", "Quiet unanswered one", "Middle with an answer", "Oldest but popular"]),
        ("active", ["Middle with an answer", "Newest one of all", "Oldest but popular", "Quiet unanswered one"]),
        ("votes", ["Oldest but popular", "Newest one of all", "Quiet unanswered one", "Middle with an answer"]),
        ("unanswered", ["Newest one of all", "Quiet unanswered one"]),
    ],
)
def test_product_page_sorts(client, product, four_questions, sort, expected):
    response = client.get(product.get_absolute_url(), {"sort": sort})
    assert response.status_code == 200
    assert _titles(response) == expected
    assert f'href="?sort={sort}"' in response.content.decode().replace(' class="current"', "")


def test_unknown_sort_falls_back_to_active(client, product, four_questions):
    response = client.get(product.get_absolute_url(), {"sort": "'; DROP TABLE"})
    assert response.status_code == 200
    assert response.context["sort"] == "active"


def test_product_page_filters_by_tag(client, product, four_questions):
    response = client.get(product.get_absolute_url(), {"tag": "wifi", "sort": "newest"})
    assert response.status_code == 200
    assert _titles(response) == ["Newest one of all", "Oldest but popular"]
    assert "Questions tagged" in response.content.decode()


def test_unknown_tag_is_404(client, product, other_product, four_questions):
    TagFactory(product=other_product, name="lens")
    assert client.get(product.get_absolute_url(), {"tag": "no-such-tag"}).status_code == 404
    # A tag of another product is unknown here too.
    assert client.get(product.get_absolute_url(), {"tag": "lens"}).status_code == 404


def test_unknown_product_is_404(client, db):
    response = client.get(reverse("forum:product", args=["nope"]))
    assert response.status_code == 404
    assert "does not exist" in response.content.decode()


def test_product_page_paginates(client, product, alice, settings):
    for n in range(45):
        make_question(author=alice, product=product, title=f"Question number {n:02d}")
    first = client.get(product.get_absolute_url(), {"sort": "newest"})
    assert len(first.context["page"].object_list) == 20
    assert "Page 1 of 3" in first.content.decode()
    last = client.get(product.get_absolute_url(), {"sort": "newest", "page": 3})
    assert len(last.context["page"].object_list) == 5
    assert _titles(last)[-1] == "Question number 00"
    # Out-of-range and non-numeric pages land on a real page instead of failing.
    assert client.get(product.get_absolute_url(), {"page": 99}).context["page"].number == 3
    assert client.get(product.get_absolute_url(), {"page": "abc"}).context["page"].number == 1


def test_product_page_hides_deleted_questions(client, product, alice):
    kept = make_question(author=alice, product=product, title="This one stays visible")
    gone = make_question(author=alice, product=product, title="This one gets deleted")
    services.post_delete(user=alice, post=gone)
    response = client.get(product.get_absolute_url())
    assert _titles(response) == [kept.title]


@pytest.fixture
def thread(product, alice, bob, erin):
    question = make_question(author=alice, product=product, title="Router keeps rebooting", tags=["power"])
    low = make_answer(question=question, author=bob, body="Try another power adapter first.")
    high = make_answer(question=question, author=erin, body="Update the firmware to 2.1 from settings.")
    accepted = make_answer(question=question, author=UserFactory(username="carol"), body="Reset it, then wait.")
    services.vote_cast(voter=alice, post=high, value=1)
    services.vote_cast(voter=bob, post=high, value=1)
    services.answer_accept(user=alice, answer=accepted)
    services.comment_add(author=bob, post=question, body="Which model do you have?")
    services.comment_add(author=erin, post=low, body="Official adapters only, please.")
    return question, low, high, accepted


def test_question_page_shows_answers_comments_and_accepted_first(client, thread):
    question, low, high, accepted = thread
    response = client.get(question.get_absolute_url())
    assert response.status_code == 200
    answers = list(response.context["answers"])
    assert {a.pk for a in answers} == {accepted.pk, high.pk, low.pk}
    # Best first: the authority index's rank, in which acceptance and votes are boosts.
    ranks = [a.rank_score for a in answers]
    assert ranks == sorted(ranks, reverse=True)
    assert answers[-1].pk == low.pk  # no votes, not accepted
    html = response.content.decode()
    assert "Router keeps rebooting" in html
    assert "Which model do you have?" in html and "Official adapters only, please." in html
    assert "Accepted by the asker" in html
    accepted_article = html[html.index(f'id="answer-{accepted.pk}"') - 40 :]
    assert (
        accepted_article.startswith('<article class="answer accepted"')
        or 'class="answer accepted"' in (accepted_article[:80])
    )
    assert "3 answers" in html
    assert 'class="tag"' in html and "power" in html


def test_official_badge_marks_only_the_products_expert(client, thread, frank):
    question, low, high, accepted = thread
    make_answer(question=question, author=frank, body="I am an expert, but of the camera.")
    html = client.get(question.get_absolute_url()).content.decode()

    def section(pk):
        start = html.index(f'id="answer-{pk}"')
        return html[start : html.index("</article>", start)]

    assert "badge official" in section(high.pk)  # erin, the router's expert
    assert "badge official" in section(low.pk)  # only in erin's comment on it
    assert section(low.pk).count("badge official") == 1
    frank_answer = Post.objects.get(author=frank)
    assert "badge official" not in section(frank_answer.pk)


def test_question_page_counts_views_of_others(client, alice_client, thread):
    question = thread[0]
    client.get(question.get_absolute_url())
    client.get(question.get_absolute_url())
    alice_client.get(question.get_absolute_url())  # the asker's own visits don't count
    question.refresh_from_db()
    assert question.view_count == 2


def test_answer_url_redirects_to_its_question(client, thread):
    question, low, *_ = thread
    response = client.get(reverse("forum:question", args=[low.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"{question.get_absolute_url()}#answer-{low.pk}"


def test_unknown_question_is_404(client, db):
    assert client.get(reverse("forum:question", args=[999999])).status_code == 404


def test_question_page_for_anonymous_invites_to_log_in(client, thread):
    html = client.get(thread[0].get_absolute_url()).content.decode()
    assert "to answer." in html
    assert 'action="/q/' not in html  # no answer form


def test_product_page_from_other_language_product(client, db):
    product = ProductFactory(slug="mesh", name="网状路由器", language="zh-hans")
    make_question(author=UserFactory(), product=product, title="怎么把两个路由器组网？")
    response = client.get(product.get_absolute_url())
    assert "怎么把两个路由器组网？" in response.content.decode()

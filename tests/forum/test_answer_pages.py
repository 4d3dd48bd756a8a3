"""A question's answers come a page at a time (30 by default, like Stack Overflow), so a question
with hundreds of answers costs the server and the reader what one page costs."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import selectors
from forum.models import Post
from tests.factories import UserFactory, make_answer, make_question


@pytest.fixture
def three_per_page(settings):
    settings.WENDAO = {**settings.WENDAO, "ANSWERS_PER_PAGE": 3}


@pytest.fixture
def question(db, product, alice):
    question = make_question(author=alice, product=product)
    for i in range(7):
        make_answer(question=question, author=UserFactory(), body=f"Answer number {i}: hold the button.")
    return question


def ordered_answer_ids(question) -> list[int]:
    answers = Post.objects.filter(question=question, deleted_at__isnull=True).order_by(*selectors.ANSWER_ORDER)
    return list(answers.values_list("pk", flat=True))


def shown_answer_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article class="answer[^"]*" id="answer-(\d+)"', response.content.decode())]


@pytest.mark.usefixtures("three_per_page")
@pytest.mark.parametrize(("page", "expected_slice", "label"), [
    ("1", slice(0, 3), "Page 1 of 3"),
    ("2", slice(3, 6), "Page 2 of 3"),
    ("3", slice(6, 7), "Page 3 of 3"),
    ("99", slice(6, 7), "Page 3 of 3"),  # past the end: the last page
    ("abc", slice(0, 3), "Page 1 of 3"),  # nonsense: the first page, never a 500
    ("-2", slice(0, 3), "Page 1 of 3"),
])  # fmt: skip
def test_question_page_shows_one_page_of_answers_in_rank_order(client, question, page, expected_slice, label):
    response = client.get(question.get_absolute_url(), {"page": page})
    assert response.status_code == 200
    assert shown_answer_ids(response) == ordered_answer_ids(question)[expected_slice]
    html = response.content.decode()
    assert "7 answers" in html  # the heading counts them all, not the page
    assert label in html


@pytest.mark.usefixtures("three_per_page")
def test_a_page_costs_the_same_queries_whatever_the_number_of_answers(client, product, alice, question):
    small = make_question(author=alice, product=product, title="A question with one answer")
    make_answer(question=small, author=UserFactory())
    counts = []
    urls = (small.get_absolute_url(), question.get_absolute_url(), question.get_absolute_url() + "?page=3")
    for url in urls:  # fill the caches first (experts of the product, duplicates of the question)
        client.get(url)
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2]


@pytest.mark.usefixtures("three_per_page")
def test_question_without_answers_shows_no_pagination(client, product, alice):
    lonely = make_question(author=alice, product=product, title="Nobody answered this yet")
    response = client.get(lonely.get_absolute_url())
    assert response.status_code == 200 and "0 answers" in response.content.decode()
    assert 'class="pagination"' not in response.content.decode()


@pytest.mark.usefixtures("three_per_page")
def test_link_to_an_answer_goes_to_its_page(client, question):
    ids = ordered_answer_ids(question)
    for index, expected_page in [(0, 1), (4, 2), (6, 3)]:
        response = client.get(question.get_absolute_url(), {"answer": ids[index]})
        assert response.status_code == 302
        assert response["Location"] == f"{question.get_absolute_url()}?page={expected_page}#answer-{ids[index]}"
        assert ids[index] in shown_answer_ids(client.get(response["Location"].split("#")[0]))


@pytest.mark.usefixtures("three_per_page")
def test_link_to_an_unknown_or_deleted_answer_lands_on_the_first_page(client, question, product):
    other = make_answer(question=make_question(product=product, title="Some other question"), author=UserFactory())
    response = client.get(question.get_absolute_url(), {"answer": other.pk})
    assert response["Location"] == f"{question.get_absolute_url()}?page=1#answer-{other.pk}"
    response = client.get(question.get_absolute_url(), {"answer": "not-a-number"})
    assert response.status_code == 200


def test_default_is_thirty_answers_a_page(settings):
    assert selectors.answers_per_page() == 30


def test_question_thread_without_a_page_still_returns_every_answer(question, alice):
    # The API and exports read whole threads.
    answers, _votes = selectors.question_thread(question=question, user=alice)
    assert [a.pk for a in answers] == ordered_answer_ids(question)


def test_answer_anchor_links_have_a_way_to_their_page(question):
    # Answers link to /q/<id>/#answer-<id>; wendao.js turns a missing anchor into ?answer=<id>.
    from django.contrib.staticfiles import finders

    with open(finders.find("forum/wendao.js"), encoding="utf-8") as script:
        assert 'params.set("answer"' in script.read()
    assert reverse("forum:question", args=[question.pk]) == question.get_absolute_url()


@pytest.mark.usefixtures("three_per_page")
@pytest.mark.parametrize("stored_count", [0, 2, 7, 50])
def test_the_stored_answer_count_never_changes_what_a_page_shows(client, question, stored_count):
    """A small question's answers are read in one plain query when its stored count says they fit
    a page; the rows read decide, so a count that drifted still gives the right page."""
    Post.objects.filter(pk=question.pk).update(answer_count=stored_count)
    response = client.get(question.get_absolute_url())
    assert shown_answer_ids(response) == ordered_answer_ids(question)[:3]
    assert "7 answers" in response.content.decode() and "Page 1 of 3" in response.content.decode()


def test_a_question_with_few_answers_shows_them_all_on_one_page(client, question):
    response = client.get(question.get_absolute_url())
    assert shown_answer_ids(response) == ordered_answer_ids(question)
    assert "7 answers" in response.content.decode() and "Page 1 of" not in response.content.decode()

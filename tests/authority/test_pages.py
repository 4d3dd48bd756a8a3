"""What readers and experts see: authority next to names, endorsements, the order and its reasons."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from forum import services
from forum.models import Endorsement, Post
from tests.factories import UserFactory, make_answer, make_question


@pytest.fixture
def thread(product, alice, bob, erin):
    question = make_question(author=alice, product=product, title="Router drops Wi-Fi at night")
    bob_answer = make_answer(question=question, author=bob, body="Turn off the power-saving schedule.")
    carol = UserFactory(username="carol")
    carol_answer = make_answer(question=question, author=carol, body="Try another channel, maybe.")
    return {"question": question, "bob_answer": bob_answer, "carol_answer": carol_answer, "carol": carol}


def _answer_order(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article class="answer[^"]*" id="answer-(\d+)"', html)]


def test_answers_are_ordered_by_rank_and_explain_why(client, thread, erin, django_assert_max_num_queries):
    voters = [UserFactory() for _ in range(3)]
    for voter in voters:
        services.vote_cast(voter=voter, post=thread["carol_answer"], value=1)
    services.answer_endorse(expert=erin, answer=thread["bob_answer"], note="Confirmed on firmware 2.1")
    page = client.get(thread["question"].get_absolute_url())
    html = page.content.decode()
    ranks = dict(Post.objects.filter(question=thread["question"]).values_list("pk", "rank_score"))
    assert _answer_order(html) == sorted(ranks, key=lambda pk: -ranks[pk])
    assert html.count('<details class="rank-breakdown">') == 2
    assert "Why this order?" in html and "Weighted votes" in html
    assert "Verified by erin" in html and "Confirmed on firmware 2.1" in html


def test_the_question_page_stays_within_eight_queries(thread, erin, bob, django_assert_max_num_queries):
    services.answer_endorse(expert=erin, answer=thread["bob_answer"])
    services.comment_add(author=erin, post=thread["question"], body="Which firmware version do you run?")
    for answer in (thread["bob_answer"], thread["carol_answer"]):
        services.vote_cast(voter=UserFactory(), post=answer, value=1)
    reader = Client()
    reader.force_login(bob)
    reader.get(thread["question"].get_absolute_url())  # warm the role caches, as any real visit would
    with django_assert_max_num_queries(8):
        page = reader.get(thread["question"].get_absolute_url())
    assert page.status_code == 200


def test_every_author_shows_authority_and_experts_the_official_badge(client, thread, erin, product):
    erin_answer = make_answer(question=thread["question"], author=erin, body="Update to firmware 2.2.")
    services.vote_cast(voter=UserFactory(), post=thread["bob_answer"], value=1)
    html = client.get(thread["question"].get_absolute_url()).content.decode()
    article = html[html.index(f'id="answer-{erin_answer.pk}"') :]
    article = article[: article.index("</article>")]
    assert "Official" in article
    # erin has no votes yet but an expert's floor in her product.
    assert re.search(r'class="authority-index"[^>]*><span class="visually-hidden">Authority </span>(\d+)', article)
    indexes = [int(n) for n in re.findall(r'<span class="visually-hidden">Authority </span>(\d+)', html)]
    assert len(indexes) >= 4 and all(0 <= n <= 1000 for n in indexes)


def test_an_expert_endorses_with_a_note_and_withdraws(erin_client, thread):
    answer = thread["bob_answer"]
    url = reverse("forum:endorse", args=[answer.pk])
    response = erin_client.post(url, {"note": "Tested on the AX3000"})
    assert response.status_code == 302
    html = erin_client.get(answer.get_absolute_url()).content.decode()
    assert "Verified by erin" in html and "Tested on the AX3000" in html and "Withdraw my endorsement" in html
    assert Post.objects.get(pk=answer.pk).endorsement_count == 1
    assert erin_client.post(url, {"withdraw": "1"}).status_code == 302
    assert Post.objects.get(pk=answer.pk).endorsement_count == 0
    assert Endorsement.objects.get(answer=answer).withdrawn_at is not None
    assert "Verified by" not in erin_client.get(answer.get_absolute_url()).content.decode()


def test_endorsing_refuses_bad_requests_with_a_clear_4xx(thread, alice_client, frank_client, erin_client, erin):
    answer = thread["bob_answer"]
    url = reverse("forum:endorse", args=[answer.pk])
    customer = alice_client.post(url)
    assert customer.status_code == 403 and "Only the product" in customer.content.decode()
    assert frank_client.post(url).status_code == 403  # an expert of another product
    assert erin_client.post(url, {"withdraw": "1"}).status_code == 400  # nothing to withdraw
    assert erin_client.post(url, {"note": "x" * 301}).status_code == 400
    assert erin_client.post(url).status_code == 302
    again = erin_client.post(url)
    assert again.status_code == 400 and "already endorsed" in again.content.decode()
    own = make_answer(question=thread["question"], author=erin, body="My own answer.")
    assert erin_client.post(reverse("forum:endorse", args=[own.pk])).status_code == 403
    services.post_delete(user=erin, post=thread["carol_answer"])
    assert erin_client.post(reverse("forum:endorse", args=[thread["carol_answer"].pk])).status_code == 403
    assert erin_client.post(reverse("forum:endorse", args=[thread["question"].pk])).status_code == 404
    assert erin_client.get(url).status_code == 405
    assert Endorsement.objects.filter(withdrawn_at__isnull=True).count() == 1


def test_voting_on_a_deleted_post_is_refused_and_changes_nothing(thread, erin, alice_client):
    answer = thread["bob_answer"]
    services.post_delete(user=erin, post=answer)
    response = alice_client.post(reverse("forum:vote", args=[answer.pk]), {"value": "1"})
    assert response.status_code == 403
    answer.refresh_from_db()
    assert (answer.score, answer.weighted_up, answer.upvotes) == (0, 0, 0)


def test_the_profile_shows_authority_per_product_with_a_chart(client, thread, bob, erin, product):
    services.vote_cast(voter=UserFactory(), post=thread["bob_answer"], value=1)
    services.answer_endorse(expert=erin, answer=thread["bob_answer"])
    html = client.get(bob.get_absolute_url()).content.decode()
    assert product.name in html[html.index('id="authority-heading"') :]
    assert '<svg class="authority-chart"' in html and "<polyline points=" in html
    expert_html = client.get(erin.get_absolute_url()).content.decode()
    assert "Official" in expert_html[expert_html.index('id="authority-heading"') :]

"""Writing through the pages: ask, preview, answer, comment, vote and accept, as users do it."""

import pytest
from django.urls import reverse

from forum.models import Comment, Post, Revision, Vote
from tests.factories import TagFactory, make_answer, make_question

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def question(product, alice):
    return make_question(author=alice, product=product, title="Router keeps rebooting", tags=["power"])


@pytest.fixture
def answer(question, bob):
    return make_answer(question=question, author=bob, body="Try another power adapter first.")


# --- ask ---------------------------------------------------------------------------------------


def test_ask_page_preselects_the_product(alice_client, product, other_product):
    response = alice_client.get(reverse("forum:ask_in_product", args=[product.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{product.pk}" selected>' in html
    assert f'<option value="{other_product.pk}">' in html


def test_ask_needs_login(client, product):
    response = client.get(reverse("forum:ask"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_ask_creates_the_question_with_tags_and_first_revision(alice_client, alice, product):
    TagFactory(product=product, name="wifi")
    TagFactory(product=product, name="setup")
    response = alice_client.post(
        reverse("forum:ask"),
        {
            "product": product.pk,
            "title": "  How do I   pair a second router?  ",
            "body": "I have **two** of them.",
            "tags": "WiFi, setup",
        },
    )
    question = Post.objects.get(kind="q")
    assert response.status_code == 302
    assert response["Location"] == question.get_absolute_url()
    assert question.title == "How do I pair a second router?"
    assert question.author == alice and question.product == product
    assert sorted(question.tags.values_list("name", flat=True)) == ["setup", "wifi"]
    assert "<strong>two</strong>" in question.body_html
    assert list(question.revisions.values_list("number", flat=True)) == [1]
    page = alice_client.get(question.get_absolute_url()).content.decode()
    assert "How do I pair a second router?" in page and "<strong>two</strong>" in page


def test_ask_refuses_tags_the_product_does_not_have(alice_client, product, other_product):
    TagFactory(product=other_product, name="lens")
    response = alice_client.post(
        reverse("forum:ask"),
        {"product": product.pk, "title": "A question with a foreign tag", "body": "Some details here.", "tags": "lens"},
    )
    assert response.status_code == 400
    assert "Unknown tag for Wendao Router: lens." in response.content.decode()
    assert not Post.objects.exists() and not Revision.objects.exists()
    # What the user typed is still in the form.
    assert "A question with a foreign tag" in response.content.decode()


# --- preview -----------------------------------------------------------------------------------


def test_preview_renders_sanitised_markdown(alice_client):
    response = alice_client.post(
        reverse("forum:preview"), {"body": "# Hi\n\n*there* <script>alert(1)</script> [x](javascript:alert(1))"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Hi</h1>" in html and "<em>there</em>" in html
    assert "<script" not in html and "&lt;script&gt;" in html  # shown as text, never run
    assert 'href="javascript' not in html


def test_preview_refuses_huge_text(alice_client):
    response = alice_client.post(reverse("forum:preview"), {"body": "x" * 100_001})
    assert response.status_code == 400


# --- answer and comment ------------------------------------------------------------------------


def test_answer_posts_and_bumps_the_question(bob_client, bob, question):
    response = bob_client.post(reverse("forum:answer", args=[question.pk]), {"body": "Hold *reset* for ten seconds."})
    answer = Post.objects.get(kind="a")
    assert response.status_code == 302
    assert response["Location"] == f"{question.get_absolute_url()}#answer-{answer.pk}"
    assert answer.author == bob and answer.question_id == question.pk
    question.refresh_from_db()
    assert question.answer_count == 1
    assert "<em>reset</em>" in bob_client.get(question.get_absolute_url()).content.decode()


def test_answer_form_on_question_page(bob_client, question):
    html = bob_client.get(question.get_absolute_url()).content.decode()
    assert f'action="{reverse("forum:answer", args=[question.pk])}"' in html
    assert reverse("forum:preview") in html


def test_comment_on_question_and_answer(bob_client, alice_client, question, answer):
    bob_client.post(reverse("forum:comment", args=[question.pk]), {"body": "Which model is it?"})
    response = alice_client.post(reverse("forum:comment", args=[answer.pk]), {"body": "That did it, thanks!"})
    assert response.status_code == 302
    assert Comment.objects.count() == 2
    question.refresh_from_db()
    answer.refresh_from_db()
    assert question.comment_count == 1 and answer.comment_count == 1
    html = alice_client.get(question.get_absolute_url()).content.decode()
    assert "Which model is it?" in html and "That did it, thanks!" in html


# --- votes -------------------------------------------------------------------------------------


def _vote(client, post, value, **extra):
    return client.post(reverse("forum:vote", args=[post.pk]), {"value": value}, **extra)


def test_vote_up_change_and_retract(alice_client, alice, answer):
    assert _vote(alice_client, answer, 1).status_code == 302
    answer.refresh_from_db()
    assert (answer.score, answer.upvotes, answer.downvotes) == (1, 1, 0)

    _vote(alice_client, answer, -1)
    answer.refresh_from_db()
    assert (answer.score, answer.upvotes, answer.downvotes) == (-1, 0, 1)
    assert Vote.objects.get(voter=alice, post=answer).value == -1

    _vote(alice_client, answer, 0)
    answer.refresh_from_db()
    assert (answer.score, answer.upvotes, answer.downvotes) == (0, 0, 0)
    assert not Vote.objects.exists()


def test_vote_with_htmx_returns_the_vote_fragment(alice_client, answer):
    response = _vote(alice_client, answer, 1, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert '<span class="score"' in html and ">1</span>" in html
    # The up button is now pressed, and pressing it again takes the vote back.
    assert 'value="0" class="vote up active" aria-pressed="true"' in html

    response = _vote(alice_client, answer, 0, **HTMX)
    assert 'class="vote up" aria-pressed="false"' in response.content.decode()
    assert ">0</span>" in response.content.decode()


def test_question_page_shows_my_vote(alice_client, alice, answer):
    _vote(alice_client, answer, -1)
    html = alice_client.get(answer.question.get_absolute_url()).content.decode()
    start = html.index(f'id="votes-{answer.pk}"')
    assert 'class="vote down active" aria-pressed="true"' in html[start : start + 2000]


def test_no_self_vote(bob_client, answer):
    response = _vote(bob_client, answer, 1)
    assert response.status_code == 403
    assert "You cannot vote on your own post." in response.content.decode()
    response = _vote(bob_client, answer, 1, **HTMX)
    assert response.status_code == 403
    # A fragment for htmx (wendao.js shows it beside the buttons), not a whole page.
    assert response.content.decode() == '<span class="error" role="alert">You cannot vote on your own post.</span>'
    assert not Vote.objects.exists()


def test_voting_twice_the_same_way_is_refused(alice_client, answer):
    _vote(alice_client, answer, 1)
    response = _vote(alice_client, answer, 1, **HTMX)
    assert response.status_code == 400
    assert "You have already voted on this post." in response.content.decode()
    answer.refresh_from_db()
    assert answer.score == 1


def test_anonymous_cannot_vote(client, answer):
    response = _vote(client, answer, 1)
    assert response.status_code == 403
    assert "sign in" in response.content.decode()
    assert not Vote.objects.exists()


# --- accept ------------------------------------------------------------------------------------


def _accept(client, answer, undo=False):
    return client.post(reverse("forum:accept", args=[answer.pk]), {"undo": "1"} if undo else {})


def test_asker_accepts_moves_and_unaccepts(alice_client, question, answer, erin):
    other = make_answer(question=question, author=erin, body="Update the firmware to the latest one.")
    assert _accept(alice_client, answer).status_code == 302
    answer.refresh_from_db()
    question.refresh_from_db()
    assert answer.is_accepted and question.has_accepted_answer

    # Accepting another answer moves the mark: still exactly one accepted answer.
    _accept(alice_client, other)
    assert list(Post.objects.filter(is_accepted=True).values_list("pk", flat=True)) == [other.pk]
    html = alice_client.get(question.get_absolute_url()).content.decode()
    assert html.index(f'id="answer-{other.pk}"') < html.index(f'id="answer-{answer.pk}"')
    assert "Unaccept" in html

    _accept(alice_client, other, undo=True)
    question.refresh_from_db()
    assert not Post.objects.filter(is_accepted=True).exists()
    assert not question.has_accepted_answer


def test_only_the_asker_accepts(bob_client, erin_client, question, answer):
    for client in (bob_client, erin_client):
        response = _accept(client, answer)
        assert response.status_code == 403
        assert "Only the person who asked can accept an answer." in response.content.decode()
    assert not Post.objects.filter(is_accepted=True).exists()


def test_accept_button_only_for_the_asker(alice_client, bob_client, question, answer):
    assert "Accept this answer" in alice_client.get(question.get_absolute_url()).content.decode()
    assert "Accept this answer" not in bob_client.get(question.get_absolute_url()).content.decode()


def test_the_constraint_keeps_one_accepted_answer(question, answer, erin):
    from django.db import IntegrityError, transaction

    other = make_answer(question=question, author=erin, body="Update the firmware to the latest one.")
    Post.objects.filter(pk=answer.pk).update(is_accepted=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=other.pk).update(is_accepted=True)

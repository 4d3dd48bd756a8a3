"""Editing (revisions, history with a diff, who may edit) and soft deletion through the pages."""

import pytest
from django.urls import reverse

from forum import services
from forum.models import Post, Revision
from tests.factories import TagFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


@pytest.fixture
def question(product, alice):
    TagFactory(product=product, name="setup")
    return make_question(
        author=alice, product=product, title="Router keeps rebooting", body="Line one.\nLine two.", tags=["power"]
    )


@pytest.fixture
def answer(question, bob):
    return make_answer(question=question, author=bob, body="Try another power adapter first.")


def _edit(client, post, **data):
    return client.post(reverse("forum:edit", args=[post.pk]), data)


def test_edit_form_is_prefilled(alice_client, question):
    response = alice_client.get(reverse("forum:edit", args=[question.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Router keeps rebooting"' in html and "Line one." in html and 'value="power"' in html


def test_editing_own_question_makes_a_revision_with_reason(alice_client, alice, question):
    response = _edit(
        alice_client,
        question,
        title="Router keeps rebooting at night",
        body="Line one.\nLine 2, corrected.",
        tags="power setup",
        reason="Added when it happens",
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.title == "Router keeps rebooting at night"
    assert question.edited_at is not None
    assert sorted(question.tags.values_list("name", flat=True)) == ["power", "setup"]
    latest = question.revisions.order_by("-number").first()
    assert (latest.number, latest.author, latest.reason) == (2, alice, "Added when it happens")
    assert "Your edit was saved." in alice_client.get(question.get_absolute_url()).content.decode()


def test_history_page_shows_the_diff(alice_client, client, question):
    _edit(
        alice_client, question, title=question.title, body="Line one.\nLine 2, corrected.", tags="power", reason="typo"
    )
    response = client.get(reverse("forum:history", args=[question.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Revision 2" in html and "Revision 1" in html and "typo" in html
    assert '<span class="removed">- Line two.</span>' in html
    assert '<span class="added">+ Line 2, corrected.</span>' in html
    # The page links to the history once there has been an edit.
    assert reverse("forum:history", args=[question.pk]) in client.get(question.get_absolute_url()).content.decode()


def test_saving_without_changes_is_refused(alice_client, question):
    response = _edit(alice_client, question, title=question.title, body=question.body, tags="power")
    assert response.status_code == 400
    assert "Nothing changed" in response.content.decode()
    assert question.revisions.count() == 1


def test_others_cannot_edit(bob_client, frank_client, question):
    for client in (bob_client, frank_client):  # another customer; an expert of another product
        assert client.get(reverse("forum:edit", args=[question.pk])).status_code == 403
        response = _edit(client, question, title="Hijacked title here", body="Hijacked body text.", reason="x")
        assert response.status_code == 403
        assert "You can only edit your own posts." in response.content.decode()
    question.refresh_from_db()
    assert question.title == "Router keeps rebooting"
    assert question.revisions.count() == 1


def test_the_products_expert_can_edit(erin_client, erin, answer):
    response = _edit(erin_client, answer, body="Try the original power adapter first.", reason="Be precise")
    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.body == "Try the original power adapter first."
    assert answer.revisions.get(number=2).author == erin


def test_edit_link_only_for_those_who_may(alice_client, bob_client, erin_client, question, answer):
    edit_question = reverse("forum:edit", args=[question.pk])
    assert edit_question in alice_client.get(question.get_absolute_url()).content.decode()
    assert edit_question not in bob_client.get(question.get_absolute_url()).content.decode()
    assert edit_question in erin_client.get(question.get_absolute_url()).content.decode()


# --- soft delete -------------------------------------------------------------------------------


def _delete(client, post):
    return client.post(reverse("forum:delete", args=[post.pk]))


def test_author_soft_deletes_own_answer(bob_client, client, question, answer):
    response = _delete(bob_client, answer)
    assert response.status_code == 302
    answer.refresh_from_db()
    question.refresh_from_db()
    assert answer.is_deleted and question.answer_count == 0
    assert Post.objects.filter(pk=answer.pk).exists()  # soft: the row stays
    assert answer.revisions.count() == 1
    for reader in (client, bob_client):
        html = reader.get(question.get_absolute_url()).content.decode()
        assert "Try another power adapter first." not in html


def test_deleted_question_is_hidden_from_others(alice_client, bob_client, client, question):
    _delete(alice_client, question)
    for reader in (client, bob_client):
        response = reader.get(question.get_absolute_url())
        assert response.status_code == 403
        assert "This post has been deleted." in response.content.decode()
        assert reader.get(reverse("forum:history", args=[question.pk])).status_code == 403
    # The author still sees it, marked as deleted.
    html = alice_client.get(question.get_absolute_url()).content.decode()
    assert "This post is deleted" in html


def test_others_cannot_delete(alice_client, frank_client, answer):
    for client in (alice_client, frank_client):
        response = _delete(client, answer)
        assert response.status_code == 403
        assert "You can only delete your own posts." in response.content.decode()
    answer.refresh_from_db()
    assert not answer.is_deleted


def test_only_the_products_expert_undeletes(bob_client, alice_client, erin_client, question, answer):
    _delete(bob_client, answer)
    url = reverse("forum:undelete", args=[answer.pk])
    for client in (bob_client, alice_client):
        response = client.post(url)
        assert response.status_code == 403
        assert "Only the product&#x27;s experts can restore a deleted post." in response.content.decode()
    answer.refresh_from_db()
    assert answer.is_deleted

    # The expert sees the deleted answer, with an Undelete button, and restores it.
    html = erin_client.get(question.get_absolute_url()).content.decode()
    assert "Try another power adapter first." in html and url in html
    assert erin_client.post(url).status_code == 302
    answer.refresh_from_db()
    question.refresh_from_db()
    assert not answer.is_deleted and question.answer_count == 1
    assert "Try another power adapter first." in alice_client.get(question.get_absolute_url()).content.decode()


def test_deleting_the_accepted_answer_clears_the_mark(alice_client, bob_client, question, answer):
    services.answer_accept(user=question.author, answer=answer)
    _delete(bob_client, answer)
    question.refresh_from_db()
    assert not question.has_accepted_answer


def test_edit_revision_counts_are_unchanged_by_refusals(bob_client, question):
    before = Revision.objects.count()
    _edit(bob_client, question, title="Not mine to change", body="Not mine to change.")
    assert Revision.objects.count() == before

"""The expert workspace and moderation pages over real HTTP: allowed and refused roles."""

import pytest
from django.test import Client
from django.urls import reverse

from forum import hooks, moderation, services
from forum.models import Flag, FlagStatus, ModerationAction, ModerationLog, Post
from tests.factories import UserFactory, make_answer, make_question


@pytest.fixture
def question(product, alice):
    return make_question(author=alice, product=product, title="Router keeps rebooting")


@pytest.fixture
def answer(question, bob):
    return make_answer(question=question, author=bob)


@pytest.fixture
def kate_client(kate):
    client = Client()
    client.force_login(kate)
    return client


# --- The workspace --------------------------------------------------------------------------


def test_the_workspace_lists_the_experts_products_only(erin_client, product, other_product):
    response = erin_client.get(reverse("forum:experts"))
    assert response.status_code == 200
    assert product.name in response.content.decode()
    assert other_product.name not in response.content.decode()


def test_customers_get_403_from_the_workspace(alice_client, product):
    assert alice_client.get(reverse("forum:experts")).status_code == 403
    assert alice_client.get(reverse("forum:expert_workspace", args=[product.slug])).status_code == 403
    assert alice_client.get(reverse("forum:moderation_log", args=[product.slug])).status_code == 403


def test_an_expert_of_another_product_gets_403(frank_client, product):
    assert frank_client.get(reverse("forum:expert_workspace", args=[product.slug])).status_code == 403
    assert frank_client.get(reverse("forum:moderation_log", args=[product.slug])).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, product):
    response = client.get(reverse("forum:expert_workspace", args=[product.slug]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_queues_show_unanswered_oldest_first_flags_and_answers_to_endorse(
    settings, monkeypatch, erin_client, product, alice, bob
):
    settings.WENDAO_ENDORSE_QUEUE_MIN_SCORE = 1
    monkeypatch.setitem(hooks._providers, "experts.bot_misses", [])
    old = make_question(author=alice, product=product, title="The oldest open question")
    new = make_question(author=alice, product=product, title="A newer open question")
    Post.objects.filter(pk=old.pk).update(created_at=old.created_at.replace(year=old.created_at.year - 1))
    answered = make_question(author=bob, product=product, title="An answered question")
    good = make_answer(question=answered, author=alice, body="A really helpful answer.")
    services.vote_cast(voter=bob, post=good, value=1)
    moderation.post_flag(user=bob, post=new, reason="duplicate", note="Asked last week")
    response = erin_client.get(reverse("forum:expert_workspace", args=[product.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    unanswered = [q.pk for q in response.context["unanswered"]]
    assert unanswered == [old.pk, new.pk]
    assert [p.pk for p in response.context["flagged"]] == [new.pk]
    assert "Asked last week" in html
    assert [a.pk for a in response.context["endorse"]] == [good.pk]
    assert "Not available" in html  # no bot-miss provider registered


def test_the_workspace_shows_bot_misses_from_the_knowledge_base(monkeypatch, erin_client, product):
    def misses(product_arg, limit):
        assert product_arg == product
        return [{"query": "reset router password", "count": 7, "last_asked_at": None}]

    monkeypatch.setitem(hooks._providers, "experts.bot_misses", [misses])
    html = erin_client.get(reverse("forum:expert_workspace", args=[product.slug])).content.decode()
    assert "reset router password" in html and ">7<" in html


def test_the_workspace_page_does_not_grow_with_flags(
    monkeypatch, erin_client, product, alice, django_assert_max_num_queries
):
    # The knowledge base's own reads (bot misses) are its business; count the workspace's.
    monkeypatch.setitem(hooks._providers, "experts.bot_misses", [])
    url = reverse("forum:expert_workspace", args=[product.slug])
    for n in range(3):
        post = make_question(author=alice, product=product, title=f"Flagged question {n}")
        for reporter in UserFactory.create_batch(2):
            moderation.post_flag(user=reporter, post=post, reason="spam")
    erin_client.get(url)
    with django_assert_max_num_queries(14) as few:
        erin_client.get(url)
    baseline = len(few.captured_queries)
    for n in range(5):
        post = make_question(author=alice, product=product, title=f"More flagged question {n}")
        moderation.post_flag(user=UserFactory(), post=post, reason="rude")
    with django_assert_max_num_queries(baseline):
        erin_client.get(url)


# --- Actions over HTTP ----------------------------------------------------------------------


def test_a_customer_flags_through_the_page(bob_client, question):
    url = reverse("forum:flag", args=[question.pk])
    assert bob_client.get(url).status_code == 200
    response = bob_client.post(url, {"reason": "spam", "note": "Selling things"})
    assert response.status_code == 302
    assert Flag.objects.get().reporter.username == "bob"
    assert bob_client.post(url, {"reason": "spam"}).status_code == 400  # twice: a message, nothing new
    assert Flag.objects.count() == 1


def test_flagging_ones_own_post_is_403(alice_client, question):
    assert alice_client.post(reverse("forum:flag", args=[question.pk]), {"reason": "spam"}).status_code == 403


def test_close_and_reopen_pages(erin_client, alice_client, frank_client, question):
    close = reverse("forum:close", args=[question.pk])
    assert alice_client.post(close, {"reason": "No"}).status_code == 403
    assert frank_client.post(close, {"reason": "No"}).status_code == 403
    assert erin_client.post(close, {"reason": ""}).status_code == 400
    assert erin_client.post(close, {"reason": "Off topic"}).status_code == 302
    response = erin_client.post(close, {"reason": "Again"})
    assert response.status_code == 400 and "already closed" in response.content.decode()
    reopen = reverse("forum:reopen", args=[question.pk])
    assert alice_client.post(reopen).status_code == 403
    assert erin_client.post(reopen, {"reason": "Back on topic"}).status_code == 302
    assert list(ModerationLog.objects.values_list("action", flat=True).order_by("pk")) == ["close", "reopen"]


def test_duplicate_page_accepts_a_number_or_an_address(erin_client, product, question, bob):
    copy = make_question(author=bob, product=product, title="My router reboots all the time")
    url = reverse("forum:duplicate", args=[copy.pk])
    assert erin_client.post(url, {"original": "https://example.com/q/999999/"}).status_code == 400
    assert erin_client.post(url, {"original": str(copy.pk)}).status_code == 400  # itself
    response = erin_client.post(url, {"original": f"http://testserver/q/{question.pk}/", "reason": "Same"})
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.duplicate_of_id == question.pk
    original_page = erin_client.get(question.get_absolute_url()).content.decode()
    assert "My router reboots all the time" in original_page  # linked from the original too
    copy_page = erin_client.get(copy.get_absolute_url()).content.decode()
    assert "Router keeps rebooting" in copy_page


def test_duplicate_by_a_customer_is_403(bob_client, product, question, bob):
    copy = make_question(author=bob, product=product, title="A copy by the customer")
    response = bob_client.post(reverse("forum:duplicate", args=[copy.pk]), {"original": str(question.pk)})
    assert response.status_code == 403


def test_lock_comments_page(erin_client, bob_client, question):
    url = reverse("forum:lock_comments", args=[question.pk])
    assert bob_client.post(url, {"reason": "Quiet"}).status_code == 403
    assert erin_client.post(url, {"reason": "Heated"}).status_code == 302
    page = bob_client.get(question.get_absolute_url()).content.decode()
    assert "locked" in page
    assert bob_client.post(reverse("forum:comment", args=[question.pk]), {"body": "Hello there"}).status_code == 403
    assert erin_client.post(url, {"unlock": "1"}).status_code == 302


def test_resolving_flags_through_the_page(settings, erin_client, bob_client, answer):
    settings.WENDAO_FLAGS_TO_HIDE = 1
    moderation.post_flag(user=UserFactory(), post=answer, reason="rude")
    url = reverse("forum:flags_resolve", args=[answer.pk])
    assert bob_client.post(url, {"outcome": "decline"}).status_code == 403
    assert erin_client.post(url, {"outcome": "maybe"}).status_code == 400
    assert erin_client.post(url, {"outcome": "keep", "reason": "Edited the tone"}).status_code == 302
    assert Flag.objects.get().status == FlagStatus.HELPFUL
    assert Post.objects.get(pk=answer.pk).hidden_at is None


def test_hidden_answers_show_a_placeholder_to_readers(settings, bob_client, client, erin_client, answer):
    settings.WENDAO_FLAGS_TO_HIDE = 1
    moderation.post_flag(user=UserFactory(), post=answer, reason="spam")
    url = answer.question.get_absolute_url()
    assert "Hold the button" not in client.get(url).content.decode()
    assert "Hold the button" in bob_client.get(url).content.decode()  # its author
    assert "Hold the button" in erin_client.get(url).content.decode()  # the expert


def test_delete_with_reason_and_undelete(erin_client, alice_client, answer):
    url = reverse("forum:moderate_delete", args=[answer.pk])
    assert alice_client.post(url, {"reason": "No"}).status_code == 403
    assert erin_client.post(url, {"reason": "Spam"}).status_code == 302
    assert erin_client.post(url, {"undelete": "1", "reason": "Not spam"}).status_code == 302
    rows = list(ModerationLog.objects.order_by("pk").values_list("action", "reason"))
    assert rows == [(ModerationAction.DELETE, "Spam"), (ModerationAction.UNDELETE, "Not spam")]


def test_endorse_from_the_queue(erin_client, frank_client, answer):
    url = reverse("forum:expert_endorse", args=[answer.pk])
    assert frank_client.post(url, {"reason": "Looks fine"}).status_code == 403
    assert erin_client.post(url, {"reason": "Verified"}).status_code == 302
    assert ModerationLog.objects.get().reason == "Verified"


def test_rollback_page(erin_client, bob_client, alice, product, question, bob):
    services.post_edit(editor=alice, post=question, body="A worse version of the question.", reason="")
    first = question.revisions.get(number=1)
    url = reverse("forum:rollback", args=[question.pk, first.pk])
    assert bob_client.post(url, {"reason": "I prefer it"}).status_code == 403
    history = erin_client.get(reverse("forum:history", args=[question.pk])).content.decode()
    assert url in history
    assert erin_client.post(url, {"reason": "Vandalism"}).status_code == 302
    question.refresh_from_db()
    assert question.body == first.body
    other = make_question(author=bob, product=product, title="Another question entirely")
    foreign = reverse("forum:rollback", args=[question.pk, other.revisions.get().pk])
    response = erin_client.post(foreign)
    assert response.status_code == 400 and "another post" in response.content.decode()


def test_moderate_page_for_experts_only(erin_client, frank_client, alice_client, question):
    url = reverse("forum:moderate", args=[question.pk])
    assert erin_client.get(url).status_code == 200
    assert frank_client.get(url).status_code == 403
    assert alice_client.get(url).status_code == 403


def test_the_header_links_follow_the_role(erin_client, alice_client, kate_client):
    assert reverse("forum:experts") in erin_client.get("/").content.decode()
    assert reverse("forum:analytics") in erin_client.get("/").content.decode()
    home = alice_client.get("/").content.decode()
    assert reverse("forum:experts") not in home and reverse("forum:analytics") not in home
    kate_home = kate_client.get("/").content.decode()
    assert reverse("forum:analytics") in kate_home and reverse("forum:experts") not in kate_home

"""Accounts through the pages: sign up, log in and out, password reset by email, profiles."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from forum import services
from forum.models import User
from tests.factories import make_answer, make_question

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def test_signup_creates_the_account_and_logs_in(client):
    response = client.post(
        reverse("forum:signup"),
        {
            "username": "dora",
            "email": "dora@example.com",
            "password1": "a-long-Passphrase-9",
            "password2": "a-long-Passphrase-9",
        },
        follow=True,
    )
    assert response.status_code == 200
    dora = User.objects.get(username="dora")
    assert dora.email == "dora@example.com" and dora.check_password("a-long-Passphrase-9")
    assert response.context["user"] == dora
    assert "Welcome to Wendao!" in response.content.decode()


def test_signup_with_mismatched_passwords_is_refused(client):
    response = client.post(
        reverse("forum:signup"),
        {"username": "dora", "email": "dora@example.com", "password1": "a-long-Passphrase-9", "password2": "other-9x"},
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="dora").exists()


def test_signup_refuses_a_taken_username(client, alice):
    response = client.post(
        reverse("forum:signup"),
        {
            "username": "alice",
            "email": "a2@example.com",
            "password1": "a-long-Passphrase-9",
            "password2": "a-long-Passphrase-9",
        },
    )
    assert response.status_code == 400
    assert User.objects.filter(username="alice").count() == 1


def test_login_and_logout(client, alice):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("forum:home")).context["user"] == alice

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "Site administration" not in client.get(response["Location"]).content.decode()
    assert not client.get(reverse("forum:home")).context["user"].is_authenticated


def test_login_with_a_wrong_password_fails(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert response.status_code == 200  # Django's LoginView re-shows the form
    assert 'role="alert"' in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_login_returns_to_the_page_the_user_was_on(client, alice, product):
    response = client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD, "next": product.get_absolute_url()}
    )
    assert response["Location"] == product.get_absolute_url()


def test_password_reset_by_email(client, alice):
    # Wendao's own pages, not the Django admin's look-alikes.
    assert "Enter your email address" in client.get(reverse("password_reset")).content.decode()
    response = client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert response.status_code == 302
    assert "Check your email" in client.get(response["Location"]).content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert "alice" in message.body
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", message.body).group(1)

    # The link leads to a form (Django redirects to a token-less URL first).
    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert response.context["validlink"]
    set_password_url = response.redirect_chain[-1][0]
    response = client.post(
        set_password_url, {"new_password1": "brand-new-Secret-42", "new_password2": "brand-new-Secret-42"}
    )
    assert response.status_code == 302
    assert "Your password was changed" in client.get(response["Location"]).content.decode()
    alice.refresh_from_db()
    assert alice.check_password("brand-new-Secret-42")

    # A used link no longer works.
    response = client.get(link, follow=True)
    assert not response.context["validlink"]
    assert "This link has expired or was already used." in response.content.decode()


def test_password_reset_for_an_unknown_email_sends_nothing_but_looks_the_same(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_profile_page_shows_posts_and_stats(client, alice, bob, erin, product):
    question = make_question(author=alice, product=product, title="Alice asks something here")
    answer = make_answer(question=question, author=bob, body="Bob answers it rather well.")
    make_answer(question=make_question(author=erin, product=product), author=bob, body="Bob answers again here.")
    services.vote_cast(voter=alice, post=answer, value=1)
    services.vote_cast(voter=erin, post=answer, value=1)
    services.answer_accept(user=alice, answer=answer)

    response = client.get(bob.get_absolute_url())
    assert response.status_code == 200
    assert response.context["stats"] == {"questions": 0, "answers": 2, "accepted": 1, "upvotes": 2, "downvotes": 0}
    html = response.content.decode()
    assert "Alice asks something here" in html  # the title of the question he answered
    assert "Member since" in html

    alice_page = client.get(alice.get_absolute_url())
    assert alice_page.context["stats"]["questions"] == 1


def test_profile_of_unknown_or_inactive_user_is_404(client, alice):
    assert client.get(reverse("forum:profile", args=[999999])).status_code == 404
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert client.get(alice.get_absolute_url()).status_code == 404


def test_profile_edit(alice_client, client, alice):
    assert alice_client.get(reverse("forum:profile_edit")).status_code == 200
    response = alice_client.post(
        reverse("forum:profile_edit"),
        {"display_name": "Alice Wang", "bio": "I run a small shop.", "preferred_language": "zh-hans"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.display_name, alice.bio, alice.preferred_language) == ("Alice Wang", "I run a small shop.", "zh-hans")
    html = client.get(alice.get_absolute_url()).content.decode()
    assert "Alice Wang" in html and "I run a small shop." in html


def test_profile_edit_link_only_on_own_profile(alice_client, alice, bob):
    assert reverse("forum:profile_edit") in alice_client.get(alice.get_absolute_url()).content.decode()
    assert reverse("forum:profile_edit") not in alice_client.get(bob.get_absolute_url()).content.decode()


def test_profile_edit_needs_login(client):
    response = client.get(reverse("forum:profile_edit"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))

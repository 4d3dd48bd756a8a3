"""Login brute force is locked out generically; sessions rotate at login and end at logout,
password change and suspension; a suspended person's API tokens stop at once."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from forum.api.tokens import token_create
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


def _login(client, username, password, addr="203.0.113.5"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=addr)


@pytest.fixture
def mei(db):
    return UserFactory(username="mei")


def test_five_failures_lock_out_the_account_from_that_address(client, mei, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _login(client, "mei", "wrong password")
        assert response.status_code == 200  # the ordinary "wrong password" form
    response = _login(client, "mei", "wrong password")
    assert response.status_code == 429
    # Locked: even the right password is refused now, with the same generic message.
    response = _login(client, "mei", PASSWORD)
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 15 * 60
    assert SESSION_KEY not in client.session
    text = response.content.decode()
    assert "Too many failed attempts" in text
    assert "mei" not in text.split("<main", 1)[1].split("</main>", 1)[0].replace('name="username"', "")


def test_lockout_message_does_not_reveal_whether_the_account_exists(client, mei, settings):
    for username in ("mei", "nobody-by-this-name"):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _login(client, username, "wrong password")
    known = _login(client, "mei", "wrong password")
    unknown = _login(client, "nobody-by-this-name", "wrong password")
    assert known.status_code == unknown.status_code == 429
    assert known.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()


def test_lockout_is_per_account_and_address(client, mei, settings):
    UserFactory(username="lan")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "mei", "wrong password", addr="203.0.113.5")
    assert _login(client, "mei", PASSWORD, addr="203.0.113.5").status_code == 429
    # Another account from the same address, and the same account from another address, still log in.
    assert _login(Client(), "lan", PASSWORD, addr="203.0.113.5").status_code == 302
    assert _login(Client(), "mei", PASSWORD, addr="198.51.100.7").status_code == 302


def test_forged_forwarded_for_does_not_escape_the_lockout(client, mei, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("login"),
            {"username": "mei", "password": "wrong"},
            REMOTE_ADDR="203.0.113.5",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )
    response = client.post(
        reverse("login"),
        {"username": "mei", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.5",
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )
    assert response.status_code == 429


def test_a_success_resets_the_count(client, mei, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "mei", "wrong password")
    assert _login(client, "mei", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "mei", "wrong password").status_code == 200
    assert _login(client, "mei", PASSWORD).status_code == 302


def test_session_key_rotates_at_login(client, mei):
    client.get(reverse("forum:home"))
    client.post(reverse("set_language"), {"language": "en", "next": "/"})  # an anonymous session exists
    before = client.session.session_key
    assert before
    assert _login(client, "mei", PASSWORD).status_code == 302
    after = client.session.session_key
    assert after != before
    # The old key is gone from the store: a stolen pre-login cookie is worthless.
    from django.contrib.sessions.backends.cached_db import SessionStore

    assert not SessionStore().exists(before)


def test_logout_ends_the_session(client, mei):
    _login(client, "mei", PASSWORD)
    key = client.session.session_key
    stolen = Client()
    stolen.cookies["sessionid"] = key
    assert stolen.get(reverse("forum:profile_edit")).status_code == 200
    client.post(reverse("logout"))
    assert stolen.get(reverse("forum:profile_edit")).status_code == 302  # to the login page


def test_password_change_ends_other_sessions_and_keeps_this_one(mei):
    laptop, phone = Client(), Client()
    _login(laptop, "mei", PASSWORD)
    _login(phone, "mei", PASSWORD, addr="198.51.100.7")
    new = "Another long passphrase 42"
    response = laptop.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert laptop.get(reverse("forum:profile_edit")).status_code == 200
    assert phone.get(reverse("forum:profile_edit")).status_code == 302


def test_suspended_person_loses_sessions_and_tokens_at_once(mei):
    browser = Client()
    _login(browser, "mei", PASSWORD)
    raw = token_create(user=mei, name="bot")[1]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert browser.get(reverse("forum:profile_edit")).status_code == 200
    assert api.get("/api/v1/me/").status_code == 200

    mei.is_active = False
    mei.save(update_fields=["is_active"])

    assert browser.get(reverse("forum:profile_edit")).status_code == 302
    assert api.get("/api/v1/me/").status_code == 401
    # Nor can they log in again.
    response = _login(Client(), "mei", PASSWORD)
    assert response.status_code == 200
    assert SESSION_KEY not in response.wsgi_request.session


def test_the_signed_in_user_is_read_as_the_orm_reads_it(db, alice):
    """forum.security reads each request's user in plain SQL: every field as the ORM gives it
    (SQLite's booleans and datetimes converted), an inactive or unknown user is no one."""
    from django.contrib.auth import get_user_model

    from forum.security import LoginAttemptBackend

    backend = LoginAttemptBackend()
    alice.last_login = alice.date_joined
    alice.save()
    read = backend.get_user(alice.pk)
    orm = get_user_model().objects.get(pk=alice.pk)
    fields = [field.attname for field in orm._meta.concrete_fields]
    assert [getattr(read, f) for f in fields] == [getattr(orm, f) for f in fields]
    assert isinstance(read.is_active, bool) and read.last_login.tzinfo is not None
    assert read.get_session_auth_hash() == orm.get_session_auth_hash()
    for missing in (987654, "nope", None, -1, 2**70):
        assert backend.get_user(missing) is None
    alice.is_active = False
    alice.save()
    assert backend.get_user(alice.pk) is None

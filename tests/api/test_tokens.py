"""Personal API tokens: made on a page, shown once, stored hashed, revocable."""

import hashlib
import re

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from forum.api.tokens import MAX_ACTIVE_TOKENS, token_create
from forum.models import ApiToken

pytestmark = pytest.mark.django_db

PAGE = "/settings/tokens/"


def _token_in(html: str) -> str:
    return re.search(r'id="new-token"[^>]*value="(wd_[A-Za-z0-9_-]+)"', html).group(1)


def test_create_shows_the_token_once_and_stores_only_its_hash(alice_client, alice):
    response = alice_client.post(PAGE, {"name": "Helpdesk 工单系统"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = _token_in(response.content.decode())
    token = ApiToken.objects.get()
    assert token.user == alice and token.name == "Helpdesk 工单系统"
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {token.prefix, token.key_hash, token.name}
    assert raw.startswith(token.prefix)
    again = alice_client.get(PAGE).content.decode()
    assert raw not in again and token.prefix in again


def test_a_token_authenticates_until_revoked(alice_client, alice):
    raw = _token_in(alice_client.post(PAGE, {"name": "bot"}).content.decode())
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/me/").json()["username"] == "alice"
    token = ApiToken.objects.get()
    assert token.last_used_at is not None
    response = alice_client.post(f"{PAGE}{token.pk}/revoke/")
    assert response.status_code == 302
    assert api.get("/api/v1/me/").status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "revoked" in alice_client.get(PAGE).content.decode()


def test_the_token_keyword_also_works(alice):
    _token, raw = token_create(user=alice, name="legacy")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api.get("/api/v1/me/").status_code == 200


def test_last_used_is_written_at_most_once_a_day(alice):
    token, raw = token_create(user=alice, name="bot")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    api.get("/api/v1/me/")
    first = ApiToken.objects.get().last_used_at
    api.get("/api/v1/me/")
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=timezone.now() - timezone.timedelta(days=2))
    api.get("/api/v1/me/")
    assert ApiToken.objects.get().last_used_at > first - timezone.timedelta(days=1)


def test_nobody_can_revoke_someone_elses_token(alice, bob_client):
    token, _raw = token_create(user=alice, name="mine")
    assert bob_client.post(f"{PAGE}{token.pk}/revoke/").status_code == 403
    assert ApiToken.objects.get().revoked_at is None


def test_a_suspended_account_cannot_use_its_tokens(alice):
    _token, raw = token_create(user=alice, name="bot")
    alice.is_active = False
    alice.save()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/products/").status_code == 401


def test_names_are_required_and_tokens_limited(alice_client, alice):
    response = alice_client.post(PAGE, {"name": "  "})
    assert response.status_code == 400 and not ApiToken.objects.exists()
    for i in range(MAX_ACTIVE_TOKENS):
        token_create(user=alice, name=f"t{i}")
    response = alice_client.post(PAGE, {"name": "one too many"})
    assert response.status_code == 400
    assert ApiToken.objects.count() == MAX_ACTIVE_TOKENS


def test_the_page_needs_a_session_and_csrf(alice):
    assert Client().get(PAGE).status_code == 302
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(PAGE, {"name": "no csrf"}).status_code == 403
    assert not ApiToken.objects.exists()

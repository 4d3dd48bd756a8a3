"""Session requests need their CSRF token for every unsafe method; every GET leaves the database
as it found it (no view counters, no hidden writes). Both run over every row of the matrix."""

import json

import pytest
from django.apps import apps
from django.test import Client

from .conftest import token_client
from .test_authorization_matrix import EXPECTED, PREPARE, _url, _world, body_for

UNSAFE = sorted(op for op in EXPECTED if op[0] != "GET")
SAFE = sorted(op for op in EXPECTED if op[0] == "GET")


# The one deliberate exception: the bot answer API records what bots asked and which questions
# the knowledge base could not answer (the demand signal knowledge editors work from), like an
# access log. Nothing a reader sees changes; every other GET must write nothing at all.
QUERY_LOGS = {
    "/api/v1/kb/answer": {"knowledge.BotQuery", "knowledge.BotMiss"},
}


def _snapshot(ignore: set[str] = frozenset()) -> dict:
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and model._meta.label not in ignore
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), UNSAFE, ids=lambda v: v)
def test_session_without_csrf_token_is_refused(method, path):
    world, users = _world()
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["admin"])  # allowed to do everything, so only CSRF can refuse
    if prepare := PREPARE.get((method, path)):
        prepare(world, users["admin"])
    before = _snapshot()
    body = json.dumps(body_for(method, path, world) or {})
    response = client.generic(method, _url(path, world, method), body, content_type="application/json")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "permission_denied"
    assert "CSRF" in response.json()["message"]
    assert _snapshot() == before


@pytest.mark.django_db
def test_session_with_csrf_token_is_accepted(alice, product):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get("/settings/tokens/")  # any page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.patch(
        "/api/v1/me/", json.dumps({"bio": "Hello"}), content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("auth", ["anon", "session", "token"])
@pytest.mark.parametrize(("method", "path"), SAFE, ids=lambda v: v)
def test_get_leaves_the_database_unchanged(method, path, auth):
    world, users = _world()
    if auth == "anon":
        client = Client()
    elif auth == "session":
        client = Client()
        client.force_login(users["expert"])
    else:
        client = token_client(users["owner"])
        client.get("/api/v1/me/")  # first use of the day records "last used", once
    ignore = QUERY_LOGS.get(path, set())
    before = _snapshot(ignore)
    response = client.get(_url(path, world, method))
    assert response.status_code in (200, 401, 403)
    assert _snapshot(ignore) == before

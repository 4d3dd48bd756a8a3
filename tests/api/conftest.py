"""API fixtures: token-authenticated clients for the named users and a small forum to act on."""

import pytest
from rest_framework.test import APIClient

from forum import services
from forum.api.tokens import token_create

from ..factories import TagFactory, make_answer, make_question


@pytest.fixture(autouse=True)
def _knowledge_exports_in_tmp(settings, tmp_path):
    # The knowledge API's exports write files; keep them out of var/ and its bot throttle off.
    settings.KNOWLEDGE = {**settings.KNOWLEDGE, "EXPORT_DIR": str(tmp_path / "exports"), "BOT_ANON_RATE": ""}


def token_client(user) -> APIClient:
    """A client that authenticates like an integration: a personal token, no session, no CSRF."""
    _token, raw = token_create(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def anon_api():
    return APIClient()


@pytest.fixture
def alice_api(alice):
    return token_client(alice)


@pytest.fixture
def bob_api(bob):
    return token_client(bob)


@pytest.fixture
def erin_api(erin):
    return token_client(erin)


@pytest.fixture
def frank_api(frank):
    return token_client(frank)


@pytest.fixture
def question(alice, product):
    TagFactory(product=product, name="wifi")
    TagFactory(product=product, name="固件")
    return make_question(
        author=alice,
        product=product,
        title="路由器无法连接 Wi-Fi / Router drops Wi-Fi",
        body="每天晚上都会断线。It drops every night.",
        tags=["wifi", "固件"],
    )


@pytest.fixture
def answer(question, bob):
    return make_answer(question=question, author=bob, body="Update the firmware to 2.1, then reboot it.")


@pytest.fixture
def comment(question, bob):
    return services.comment_add(author=bob, post=question, body="Which model is it?")

"""Shared fixtures: a cast of named users, like a small company's community.

``alice`` and ``bob`` are customers, ``erin`` is the expert of ``product`` and ``frank`` of
``other_product``, ``kate`` is a knowledge editor, ``root`` an admin; ``client`` is anonymous.
"""

import pytest
from django.test import Client

from forum.models import Role, RoleAssignment

from .factories import ProductFactory, UserFactory, make_expert


@pytest.fixture(scope="session", autouse=True)
def _private_search_index(tmp_path_factory):
    """Every test run writes its own Whoosh index in a fresh temporary folder: tests never touch
    ``var/``, and two runs at once (or xdist workers) never share an index. Session-scoped and
    autouse, so it is in place before the real Celery worker of ``tests/worker.py`` starts."""
    import os

    from django.conf import settings
    from haystack import connections

    path = str(tmp_path_factory.mktemp("whoosh_index"))
    settings.WHOOSH_INDEX_PATH = path
    os.environ["WHOOSH_INDEX_PATH"] = path
    for alias in connections.connections_info:
        if "whoosh" in connections.connections_info[alias]["ENGINE"].lower():
            connections.connections_info[alias]["PATH"] = path
            connections.reload(alias)
    yield path


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    # Role and expert caches must not leak between tests that reuse primary keys.
    from django.core.cache import cache

    from forum import fragments, thread_cache

    cache.clear()
    fragments.local_copies.clear()
    thread_cache.clear()
    yield
    cache.clear()
    fragments.local_copies.clear()
    thread_cache.clear()


@pytest.fixture(autouse=True)
def _posting_limits(request, settings):
    # Daily limits and posting intervals (forum/limits.py) would trip tests that make many posts
    # by one author in a second; tests of the limits themselves are marked ``limits``.
    settings.WENDAO_LIMITS = {**settings.WENDAO_LIMITS, "ENABLED": "limits" in request.keywords}


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2's deliberate slowness costs ~0.3 s per user made by the factories; tests don't need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def product(db):
    return ProductFactory(slug="router", name="Wendao Router")


@pytest.fixture
def other_product(db):
    return ProductFactory(slug="camera", name="Wendao Camera")


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


@pytest.fixture
def erin(db, product):
    return make_expert(UserFactory(username="erin"), product)


@pytest.fixture
def frank(db, other_product):
    return make_expert(UserFactory(username="frank"), other_product)


@pytest.fixture
def kate(db):
    user = UserFactory(username="kate")
    RoleAssignment.objects.create(user=user, role=Role.KNOWLEDGE_EDITOR)
    return user


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice_client(alice):
    return _client_for(alice)


@pytest.fixture
def bob_client(bob):
    return _client_for(bob)


@pytest.fixture
def erin_client(erin):
    return _client_for(erin)


@pytest.fixture
def frank_client(frank):
    return _client_for(frank)


from .worker import celery_worker, celery_worker_process  # noqa: E402,F401  (fixtures)


def _on_postgres() -> bool:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` or ``worker`` run in the PostgreSQL + Redis pass of ``make test``.

    In that pass (``WENDAO_REQUIRE_SERVICES=1``) nothing is skipped: a missing service fails.
    """
    import os

    from django.conf import settings

    required = os.environ.get("WENDAO_REQUIRE_SERVICES") == "1"
    skip_pg = pytest.mark.skip(reason="runs in the PostgreSQL pass (make test-postgres)")
    skip_worker = pytest.mark.skip(reason="runs with a Celery broker (make test-postgres)")
    for item in items:
        if "postgres" in item.keywords and not _on_postgres() and not required:
            item.add_marker(skip_pg)
        if "worker" in item.keywords and not settings.CELERY_BROKER_URL and not required:
            item.add_marker(skip_worker)

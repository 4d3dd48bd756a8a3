"""config/cache.py: Django's Redis cache with one kept client per connection pool."""

import os

import pytest
from django.core.cache import caches

from config.cache import RedisCache

pytestmark = pytest.mark.skipif(
    not os.environ.get("CACHE_URL", "").startswith("redis"), reason="needs Redis (the PostgreSQL pass sets CACHE_URL)"
)


def test_the_site_uses_it_and_it_keeps_one_client():
    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client  # one server: reads and writes share a pool


def test_it_reads_and_writes_like_djangos(settings):
    cache = RedisCache(os.environ["CACHE_URL"], {"KEY_PREFIX": "cache-backend-test"})
    cache.set("a", {"x": 1}, 30)
    cache.set_many({"b": frozenset({2}), "c": "三"}, 30)
    assert cache.get("a") == {"x": 1}
    assert cache.get_many(["a", "b", "c", "missing"]) == {"a": {"x": 1}, "b": frozenset({2}), "c": "三"}
    assert cache.incr("n", 1) if cache.add("n", 0) else True
    cache.delete_many(["a", "b", "c", "n"])
    assert cache.get("a") is None

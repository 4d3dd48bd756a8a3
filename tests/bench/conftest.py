"""The benchmarks' smoke runs make their own throwaway SQLite databases and search indexes,
whatever database the test pass uses: the PostgreSQL pass would only repeat them, so they run
once, in the SQLite pass (as the end-to-end tests do)."""

import os

import pytest

REASON = "the benchmarks' smoke runs use their own SQLite databases: once, in the SQLite pass"


def pytest_collection_modifyitems(config, items):
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    for item in items:
        if "tests/bench/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.skip(reason=REASON))

import pytest
from haystack import connections


@pytest.fixture
def search_index(db, _private_search_index):
    """An empty search index for one test; the test's posts are indexed as they commit."""
    backend = connections["default"].get_backend()
    backend.clear()
    yield backend
    backend.clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the block queues on commit (the search index updates), as a real commit would."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run

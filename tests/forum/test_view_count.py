"""The question page counts views; on PostgreSQL without waiting for the disk (docs/benchmarks.md)."""

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from forum import services, view_counts
from forum.models import Post
from tests.factories import make_question


@pytest.fixture
def question(db, product, alice):
    return make_question(author=alice, product=product)


@pytest.fixture
def other(db, product, alice):
    return make_question(author=alice, product=product, title="Another question about the router")


def views_of(question) -> int:
    return Post.objects.values_list("view_count", flat=True).get(pk=question.pk)


def test_every_reader_but_the_asker_counts(client, alice_client, bob_client, question):
    for reader in (client, bob_client, bob_client):
        assert reader.get(question.get_absolute_url()).status_code == 200
    assert alice_client.get(question.get_absolute_url()).status_code == 200  # the asker
    assert views_of(question) == 3


def test_count_is_one_statement_round_trip(question):
    with CaptureQueriesContext(connection) as queries:
        services.question_view_count(question=question)
    assert len(queries) == 1
    assert views_of(question) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # real commits, as in production
def test_postgres_commits_the_view_without_waiting_for_the_disk(question):
    with CaptureQueriesContext(connection) as queries:
        services.question_view_count(question=question)
    assert "SET LOCAL synchronous_commit TO OFF" in queries[0]["sql"]
    # Only that transaction: the connection's own setting is untouched afterwards.
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
    assert views_of(question) == 1


@pytest.fixture
def gathered(settings):
    """Views added up in the process and written once the oldest is an hour old (never, here)."""
    settings.WENDAO = {**settings.WENDAO, "VIEW_COUNT_FLUSH_SECONDS": 3600}
    yield
    view_counts._pending.clear()
    view_counts._oldest = None


def test_gathered_views_are_written_together_in_one_statement(gathered, client, bob_client, question, other):
    for reader in (client, bob_client, client):
        assert reader.get(question.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 200
    assert views_of(question) == 0  # not yet
    assert view_counts.pending() == {question.pk: 3, other.pk: 1}
    with CaptureQueriesContext(connection) as queries:
        view_counts.flush()
    assert len(queries) == 1
    assert (views_of(question), views_of(other)) == (3, 1)
    assert view_counts.pending() == {}


def test_gathered_views_are_written_once_the_oldest_is_due(gathered, client, question):
    client.get(question.get_absolute_url())
    client.get(question.get_absolute_url())
    assert views_of(question) == 0
    view_counts._oldest -= 3600  # an hour has passed since the first
    client.get(question.get_absolute_url())
    assert views_of(question) == 3
    assert view_counts.pending() == {}


@pytest.mark.django_db(transaction=True)
def test_views_that_could_not_be_written_are_kept_for_the_next_try(gathered, client, question, monkeypatch):
    client.get(question.get_absolute_url())

    def database_down(counts):
        raise OperationalError("the database went away")

    monkeypatch.setattr(view_counts, "_write", database_down)
    view_counts.flush()  # no error for the reader whose page view happened to write them
    assert view_counts.pending() == {question.pk: 1}
    monkeypatch.undo()
    view_counts.flush()
    assert views_of(question) == 1

"""The question page counts views; on PostgreSQL without waiting for the disk (docs/benchmarks.md)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum import services
from forum.models import Post
from tests.factories import make_question


@pytest.fixture
def question(db, product, alice):
    return make_question(author=alice, product=product)


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

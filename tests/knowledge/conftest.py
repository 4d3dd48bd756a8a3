"""Helpers for the knowledge-base tests: a candidate from a real endorsement, and a published
article made through the real services."""

import pytest
from django.test import Client

from forum import services as forum_services
from knowledge import retrieval, services
from knowledge.models import Candidate
from tests.factories import make_answer, make_question


@pytest.fixture(autouse=True)
def _fresh_index(settings, tmp_path):
    # The bot's index lives in the process; tests reuse primary keys, so start each test clean.
    settings.KNOWLEDGE = {**settings.KNOWLEDGE, "EXPORT_DIR": str(tmp_path / "exports"), "BOT_ANON_RATE": ""}
    retrieval.INDEX.clear()
    yield
    retrieval.INDEX.clear()


@pytest.fixture
def kate_client(kate):
    client = Client()
    client.force_login(kate)
    return client


def endorsed_candidate(*, product, expert, asker, answerer, title="How do I reset the router?", body=None) -> Candidate:
    question = make_question(author=asker, product=product, title=title)
    answer = make_answer(question=question, author=answerer, body=body or "Hold the reset button for ten seconds.")
    forum_services.answer_endorse(expert=expert, answer=answer)
    return Candidate.objects.get(answer=answer)


@pytest.fixture
def candidate(product, erin, alice, bob):
    return endorsed_candidate(product=product, expert=erin, asker=alice, answerer=bob)


def publish(candidate, editor, **overrides):
    data = {
        "title": candidate.answer.question.title,
        "answer_markdown": candidate.answer.body,
        "locale": "en",
        "alt_questions": ["router factory reset", "reset my router to defaults"],
        "tags": ["reset"],
    }
    data.update(overrides)
    return services.article_publish(editor=editor, candidate=candidate, **data)


@pytest.fixture
def article(candidate, kate):
    return publish(candidate, kate)

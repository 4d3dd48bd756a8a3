"""Backup and restore: ``dumpdata`` into a file, an empty database, ``loaddata`` back, and every
post, revision, vote, endorsement and knowledge-base article is there again, unchanged.

The same commands as docs/deploy.md: natural keys for content types (every primary key kept),
without the tables Django rebuilds itself (content types, permissions), sessions and login logs.
"""

import datetime
import json

import pytest
from django.core.management import call_command
from django.db.models import Model

from forum import services
from forum.models import Comment, Endorsement, Post, ProductAuthority, Revision, Vote
from forum.reconcile import reconcile
from knowledge.models import Article, ArticleVersion
from tests.factories import UserFactory, make_answer, make_question
from tests.knowledge.conftest import endorsed_candidate, publish

pytestmark = pytest.mark.usefixtures("transactional_db")

DUMP_ARGS = [
    "--natural-foreign",
    "--exclude=contenttypes",
    "--exclude=auth.permission",
    "--exclude=sessions",
    "--exclude=admin.logentry",
    "--exclude=axes",
]


def _value(value):
    # Django's JSON serialiser keeps milliseconds, not microseconds (pg_dump keeps all of it).
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    return value


def _snapshot(model: type[Model]) -> list[dict]:
    return [{key: _value(value) for key, value in row.items()} for row in model.objects.order_by("pk").values()]


@pytest.fixture
def community(product, alice, bob, erin, kate):
    question = make_question(author=alice, product=product, title="路由器怎么恢复出厂设置", body="指示灯一直闪红色。")
    answer = make_answer(question=question, author=bob, body="Hold the reset pinhole for ten seconds.")
    services.post_edit(editor=bob, post=answer, body="Hold the reset pinhole for **ten** seconds.", reason="bold")
    for voter in UserFactory.create_batch(3):
        services.vote_cast(voter=voter, post=answer, value=1)
    services.comment_add(author=alice, post=answer, body="谢谢，有用！")
    services.answer_accept(user=alice, answer=answer)
    candidate = endorsed_candidate(product=product, expert=erin, asker=alice, answerer=bob, title="How do I reset it?")
    publish(candidate, kate)


def test_dumpdata_into_an_empty_database_and_loaddata_keeps_everything(community, tmp_path):
    models = [Post, Revision, Vote, Comment, Endorsement, ProductAuthority, Article, ArticleVersion]
    before = {model.__name__: _snapshot(model) for model in models}
    assert all(before.values()), {name: len(rows) for name, rows in before.items()}

    backup = tmp_path / "wendao.json"
    call_command("dumpdata", *DUMP_ARGS, "--output", str(backup))
    assert json.loads(backup.read_text(encoding="utf-8"))  # a readable JSON file, Chinese included

    call_command("flush", "--no-input")
    assert Post.objects.count() == Article.objects.count() == 0

    call_command("loaddata", str(backup))
    after = {model.__name__: _snapshot(model) for model in models}
    differences = [
        (name, row_before["id"], key, row_before[key], row_after.get(key))
        for name in before
        for row_before, row_after in zip(before[name], after[name], strict=True)
        for key in row_before
        if row_before[key] != row_after.get(key)
    ]
    assert differences == []
    assert reconcile().total == 0

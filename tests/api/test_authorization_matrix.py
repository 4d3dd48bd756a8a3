"""Who may call what: every endpoint and method of the API against every role, in one table.

The rows are checked against the OpenAPI schema, so an endpoint added without a row here (or a
row left behind by a removed endpoint) fails ``test_every_operation_has_a_row``. Each cell runs
in its own fresh database, authenticated with a personal token, against this scenario:

- ``owner`` (a customer) asked question Q in product P and wrote answer A to it, and wrote
  answer D that they then deleted; ``{slug}`` is P, ``{id}`` of a user is the owner. The owner
  has one unread notification N (a comment by ``other``). Flags, closing, locks and rollbacks
  act on Q or A; their ``PREPARE`` step first makes the state they undo (an open flag, a closed
  question, a locked thread, a second revision), and the owner's follow F for ``DELETE``: someone
  else's follow is a 404, as if it did not exist.
- ``new`` joined a minute ago; ``other`` is another long-standing customer; ``expert`` is an
  expert of P, ``elsewhere`` of another product; ``editor`` is a knowledge editor; ``admin`` a
  superuser; ``anon`` sends no credentials.
"""

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from forum import moderation, permissions, services
from forum.models import Follow, Notification, NotificationKind, Role, RoleAssignment
from knowledge import services as knowledge_services
from knowledge.models import Candidate, ExportJob

from ..factories import ProductFactory, TagFactory, UserFactory, make_answer, make_expert, make_question
from .conftest import token_client

ROLES = ["anon", "new", "other", "owner", "expert", "elsewhere", "editor", "admin"]

# fmt: off
MATRIX = """
method  path                                     anon  new  other owner expert elsewhere editor admin
GET     /api/v1/products/                         200  200   200   200   200     200     200    200
GET     /api/v1/products/{slug}/                  200  200   200   200   200     200     200    200
GET     /api/v1/products/{slug}/tags/             200  200   200   200   200     200     200    200
GET     /api/v1/questions/                        200  200   200   200   200     200     200    200
POST    /api/v1/questions/                        401  201   201   201   201     201     201    201
GET     /api/v1/questions/{id}/                   200  200   200   200   200     200     200    200
GET     /api/v1/search/                           200  200   200   200   200     200     200    200
PATCH   /api/v1/questions/{id}/                   401  403   403   200   200     403     403    200
DELETE  /api/v1/questions/{id}/                   401  403   403   204   204     403     403    204
POST    /api/v1/questions/{id}/answers/           401  201   201   201   201     201     201    201
GET     /api/v1/answers/{id}/                     200  200   200   200   200     200     200    200
PATCH   /api/v1/answers/{id}/                     401  403   403   200   200     403     403    200
DELETE  /api/v1/answers/{id}/                     401  403   403   204   204     403     403    204
POST    /api/v1/answers/{id}/accept/              401  403   403   200   403     403     403    403
DELETE  /api/v1/answers/{id}/accept/              401  403   403   200   403     403     403    403
POST    /api/v1/answers/{id}/endorsement/         401  403   403   403   200     403     403    200
DELETE  /api/v1/answers/{id}/endorsement/         401  403   403   403   200     403     403    200
POST    /api/v1/posts/{id}/vote/                  401  200   200   403   200     200     200    200
GET     /api/v1/posts/{id}/comments/              200  200   200   200   200     200     200    200
POST    /api/v1/posts/{id}/comments/              401  201   201   201   201     201     201    201
GET     /api/v1/posts/{id}/revisions/             200  200   200   200   200     200     200    200
POST    /api/v1/posts/{id}/undelete/              401  403   403   403   200     403     403    200
POST    /api/v1/posts/{id}/flags/                 401  201   201   403   201     201     201    201
POST    /api/v1/posts/{id}/flags/resolve/         401  403   403   403   200     403     403    200
GET     /api/v1/products/{slug}/flags/            401  403   403   403   200     403     403    200
GET     /api/v1/products/{slug}/moderation-log/   401  403   403   403   200     403     403    200
POST    /api/v1/questions/{id}/close/             401  403   403   403   200     403     403    200
POST    /api/v1/questions/{id}/reopen/            401  403   403   403   200     403     403    200
POST    /api/v1/questions/{id}/duplicate/         401  403   403   403   200     403     403    200
POST    /api/v1/posts/{id}/lock-comments/         401  403   403   403   200     403     403    200
POST    /api/v1/posts/{id}/unlock-comments/       401  403   403   403   200     403     403    200
POST    /api/v1/posts/{id}/rollback/              401  403   403   201   201     403     403    201
GET     /api/v1/notifications/                    401  200   200   200   200     200     200    200
GET     /api/v1/notifications/unread-count/       401  200   200   200   200     200     200    200
POST    /api/v1/notifications/{id}/read/          401  403   403   200   403     403     403    403
POST    /api/v1/notifications/read-all/           401  200   200   200   200     200     200    200
GET     /api/v1/notifications/preferences/        401  200   200   200   200     200     200    200
PATCH   /api/v1/notifications/preferences/        401  200   200   200   200     200     200    200
GET     /api/v1/notifications/follows/            401  200   200   200   200     200     200    200
POST    /api/v1/notifications/follows/            401  201   201   201   201     201     201    201
DELETE  /api/v1/notifications/follows/{id}/       401  404   404   204   404     404     404    404
GET     /api/v1/users/{id}/                       200  200   200   200   200     200     200    200
GET     /api/v1/me/                               401  200   200   200   200     200     200    200
PATCH   /api/v1/me/                               401  200   200   200   200     200     200    200
GET     /api/v1/kb/answer                         200  200   200   200   200     200     200    200
POST    /api/v1/kb/exports/                       401  403   403   403   403     403     202    202
GET     /api/v1/kb/exports/{id}/                  401  403   403   403   403     403     200    200
GET     /api/v1/kb/exports/                       401  403   403   403   403     403     200    200
GET     /api/v1/kb/exports/{id}/download/         401  403   403   403   403     403     200    200
GET     /api/v1/kb/articles/                      200  200   200   200   200     200     200    200
GET     /api/v1/kb/articles/{id}/                 200  200   200   200   200     200     200    200
PATCH   /api/v1/kb/articles/{id}/                 401  403   403   403   403     403     200    200
POST    /api/v1/kb/articles/{id}/retire/          401  403   403   403   403     403     200    200
POST    /api/v1/kb/articles/{id}/reinstate/       401  403   403   403   403     403     200    200
GET     /api/v1/kb/articles/{id}/versions/        401  403   403   403   403     403     200    200
GET     /api/v1/kb/articles/{id}/diff/            401  403   403   403   403     403     200    200
GET     /api/v1/kb/candidates/                    401  403   403   403   403     403     200    200
GET     /api/v1/kb/candidates/{id}/               401  403   403   403   403     403     200    200
POST    /api/v1/kb/candidates/{id}/publish/       401  403   403   403   403     403     201    201
POST    /api/v1/kb/candidates/{id}/reject/        401  403   403   403   403     403     200    200
GET     /api/v1/kb/misses/                        401  403   403   403   403     403     200    200
"""
# fmt: on


def _parse(table: str) -> dict[tuple[str, str], dict[str, int]]:
    lines = [line.split() for line in table.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    assert header[2:] == ROLES
    return {(row[0], row[1]): dict(zip(ROLES, map(int, row[2:]), strict=True)) for row in rows}


EXPECTED = _parse(MATRIX)

# Which object each path's {id} names, and a valid body for each write.
TARGETS = {
    "/api/v1/questions/{id}/": "question",
    "/api/v1/questions/{id}/answers/": "question",
    "/api/v1/answers/{id}/": "answer",
    "/api/v1/answers/{id}/accept/": "answer",
    "/api/v1/answers/{id}/endorsement/": "answer",
    "/api/v1/posts/{id}/vote/": "answer",
    "/api/v1/posts/{id}/comments/": "question",
    "/api/v1/posts/{id}/revisions/": "question",
    "/api/v1/posts/{id}/undelete/": "deleted",
    "/api/v1/users/{id}/": "owner",
    "/api/v1/posts/{id}/flags/": "answer",
    "/api/v1/posts/{id}/flags/resolve/": "answer",
    "/api/v1/questions/{id}/close/": "question",
    "/api/v1/questions/{id}/reopen/": "question",
    "/api/v1/questions/{id}/duplicate/": "question",
    "/api/v1/posts/{id}/lock-comments/": "question",
    "/api/v1/posts/{id}/unlock-comments/": "question",
    "/api/v1/posts/{id}/rollback/": "question",
    "/api/v1/notifications/{id}/read/": "notification",
    "/api/v1/notifications/follows/{id}/": "follow",
    "/api/v1/kb/exports/{id}/": "export",
    "/api/v1/kb/exports/{id}/download/": "export",
    "/api/v1/kb/articles/{id}/": "article",
    "/api/v1/kb/articles/{id}/retire/": "article",
    "/api/v1/kb/articles/{id}/reinstate/": "article",
    "/api/v1/kb/articles/{id}/versions/": "article",
    "/api/v1/kb/articles/{id}/diff/": "article",
    "/api/v1/kb/candidates/{id}/": "candidate",
    "/api/v1/kb/candidates/{id}/publish/": "candidate",
    "/api/v1/kb/candidates/{id}/reject/": "candidate",
}
QUERIES = {
    ("GET", "/api/v1/search/"): "?q=wifi+路由器",
    ("GET", "/api/v1/kb/answer"): "?q=router+wifi",
}
BODIES = {
    ("POST", "/api/v1/questions/"): {"product": "router", "title": "Does it support WPA3? 支持吗", "body": "x" * 20},
    ("PATCH", "/api/v1/questions/{id}/"): {"title": "An edited title, 修改后的标题"},
    ("POST", "/api/v1/questions/{id}/answers/"): {"body": "Yes, since firmware 2.0. 是的。"},
    ("PATCH", "/api/v1/answers/{id}/"): {"body": "An edited answer with enough text."},
    ("POST", "/api/v1/answers/{id}/endorsement/"): {"note": "Verified"},
    ("POST", "/api/v1/posts/{id}/vote/"): {"value": 1},
    ("POST", "/api/v1/posts/{id}/comments/"): {"body": "Thanks for asking."},
    ("PATCH", "/api/v1/me/"): {"display_name": "新名字"},
    ("POST", "/api/v1/kb/exports/"): {"format": "jsonl", "product": "router"},
    ("PATCH", "/api/v1/kb/articles/{id}/"): {"title": "Reset the router to factory settings 恢复出厂设置"},
    ("POST", "/api/v1/kb/articles/{id}/retire/"): {"reason": "Firmware 3 changed this 已过时"},
    ("POST", "/api/v1/kb/candidates/{id}/publish/"): {"note": "First version 第一版"},
    ("POST", "/api/v1/kb/candidates/{id}/reject/"): {"reason": "Too narrow for the bot 太窄"},
    ("POST", "/api/v1/posts/{id}/flags/"): {"reason": "wrong", "note": "Firmware 2.1 changed this. 已过时"},
    ("POST", "/api/v1/posts/{id}/flags/resolve/"): {"outcome": "decline", "reason": "The answer is right."},
    ("POST", "/api/v1/questions/{id}/close/"): {"reason": "Not about the product 与产品无关"},
    ("POST", "/api/v1/questions/{id}/reopen/"): {"reason": "Edited to be on topic"},
    ("POST", "/api/v1/questions/{id}/duplicate/"): lambda world: {"original": world["original"].pk},
    ("POST", "/api/v1/posts/{id}/lock-comments/"): {"reason": "Heated thread 争吵"},
    ("POST", "/api/v1/posts/{id}/rollback/"): {"revision": 1, "reason": "Vandalism"},
    ("PATCH", "/api/v1/notifications/preferences/"): {"daily_digest": True, "email_comment": False},
    ("POST", "/api/v1/notifications/follows/"): {"product": "router", "tag": "wifi"},
}


def _prepare_unaccept(world, user):
    services.answer_accept(user=world["owner"], answer=world["answer"])


def _prepare_withdraw(world, user):
    if user is not None and permissions.allowed(user, "answer.endorse", world["answer"]):
        services.answer_endorse(expert=user, answer=world["answer"])


def _prepare_flagged(world, user):
    moderation.post_flag(user=world["other"], post=world["answer"], reason="spam")


def _prepare_closed(world, user):
    moderation.question_close(moderator=world["expert"], question=world["question"], reason="Off topic")


def _prepare_original(world, user):
    world["original"] = make_question(author=world["other"], product=world["product"], title="Wi-Fi drops at night")


def _prepare_locked(world, user):
    moderation.comments_lock(moderator=world["expert"], post=world["question"], reason="Heated thread")


def _prepare_edited(world, user):
    services.post_edit(editor=world["owner"], post=world["question"], body="Replaced by a worse text.")


def _prepare_follow(world, user):
    world["follow"] = Follow.objects.create(user=world["owner"], product=world["product"])


def _prepare_retired(world, user):
    knowledge_services.article_retire(editor=world["editor"], article=world["article"], reason="Outdated")


def _prepare_exported(world, user):
    from knowledge.tasks import export_run

    export_run(world["export"].pk)


PREPARE = {
    ("GET", "/api/v1/kb/exports/{id}/download/"): _prepare_exported,
    ("POST", "/api/v1/kb/articles/{id}/reinstate/"): _prepare_retired,
    ("DELETE", "/api/v1/answers/{id}/accept/"): _prepare_unaccept,
    ("DELETE", "/api/v1/answers/{id}/endorsement/"): _prepare_withdraw,
    ("POST", "/api/v1/posts/{id}/flags/resolve/"): _prepare_flagged,
    ("POST", "/api/v1/questions/{id}/reopen/"): _prepare_closed,
    ("POST", "/api/v1/questions/{id}/duplicate/"): _prepare_original,
    ("POST", "/api/v1/posts/{id}/unlock-comments/"): _prepare_locked,
    ("POST", "/api/v1/posts/{id}/rollback/"): _prepare_edited,
    ("DELETE", "/api/v1/notifications/follows/{id}/"): _prepare_follow,
}


def _world():
    product = ProductFactory(slug="router", name="Router")
    elsewhere_product = ProductFactory(slug="camera", name="Camera")
    TagFactory(product=product, name="wifi")
    owner = UserFactory(username="owner")
    question = make_question(author=owner, product=product, title="Router drops Wi-Fi 路由器断线", tags=["wifi"])
    answer = make_answer(question=question, author=owner, body="Answering my own question: update it.")
    deleted = make_answer(question=question, author=owner, body="An answer I deleted afterwards.")
    services.post_delete(user=owner, post=deleted)
    editor = UserFactory(username="editor")
    RoleAssignment.objects.create(user=editor, role=Role.KNOWLEDGE_EDITOR)
    users = {
        "anon": None,
        "new": UserFactory(username="newcomer", date_joined=timezone.now() - timezone.timedelta(minutes=1)),
        "other": UserFactory(username="other"),
        "owner": owner,
        "expert": make_expert(UserFactory(username="expert"), product),
        "elsewhere": make_expert(UserFactory(username="elsewhere"), elsewhere_product),
        "editor": editor,
        "admin": UserFactory(username="admin", is_superuser=True, is_staff=True),
    }
    export = ExportJob.objects.create(requested_by=editor, format="jsonl", product=product)
    article, candidate = _knowledge(product, owner=owner, other=users["other"], expert=users["expert"], editor=editor)
    notification = Notification.objects.create(
        recipient=owner, kind=NotificationKind.COMMENT, actor=users["other"], post=answer
    )
    world = {"product": product, "question": question, "answer": answer, "deleted": deleted, "export": export}
    world |= {"article": article, "candidate": candidate}
    world["notification"] = notification
    return world | users, users


def _knowledge(product, *, owner, other, expert, editor):
    """Two endorsed answers to another question: one published as an article, one a pending
    candidate."""
    question = make_question(author=other, product=product, title="How do I reset the router? 如何重置路由器")
    published = make_answer(question=question, author=owner, body="Hold the reset button for ten seconds.")
    pending = make_answer(question=question, author=other, body="Or use the app: Settings, then Reset.")
    for answer in (published, pending):
        services.answer_endorse(expert=expert, answer=answer)
    article = knowledge_services.article_publish(
        editor=editor,
        candidate=Candidate.objects.get(answer=published),
        title=question.title,
        answer_markdown=published.body,
        locale="en",
    )
    return article, Candidate.objects.get(answer=pending)


def _url(path: str, world, method: str = "GET") -> str:
    target = TARGETS.get(path)
    url = path.format(slug=world["product"].slug, id=world[target].pk if target else "")
    return url + QUERIES.get((method, path), "")


def _schema_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }


@pytest.mark.django_db
def test_every_operation_has_a_row():
    operations = _schema_operations()
    missing = sorted(operations - set(EXPECTED))
    stale = sorted(set(EXPECTED) - operations)
    assert not missing, f"API operations without a row in the authorization matrix: {missing}"
    assert not stale, f"Rows for operations the API no longer has: {stale}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED), ids=lambda v: v)
def test_matrix(method, path, role):
    world, users = _world()
    user = users[role]
    if prepare := PREPARE.get((method, path)):
        prepare(world, user)
    client = token_client(user) if user is not None else token_client_anonymous()
    response = client.generic(method, _url(path, world, method), **_body(method, path, world))
    expected = EXPECTED[(method, path)][role]
    assert response.status_code == expected, (
        f"{method} {path} as {role}: got {response.status_code}, expected {expected}: {response.content[:300]!r}"
    )


def token_client_anonymous():
    from rest_framework.test import APIClient

    return APIClient()


def body_for(method: str, path: str, world) -> dict | None:
    """The body of ``BODIES``; a callable one names objects of this world (their ids vary)."""
    body = BODIES.get((method, path))
    return body(world) if callable(body) else body


def _body(method: str, path: str, world) -> dict:
    import json

    body = body_for(method, path, world)
    if body is None:
        return {}
    return {"data": json.dumps(body), "content_type": "application/json"}

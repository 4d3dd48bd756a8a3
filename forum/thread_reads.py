"""The question page's reads in plain SQL: the question, a page of its answers, their comments.

These are the site's hottest reads, and through the ORM they cost more CPU to build than the
database spends answering them: joining a post's author, product and authority anchor makes
Django walk some sixty columns per query, about a millisecond each time (docs/benchmarks.md,
"Forum pages"). Here each statement is written once per process from the models' own metadata
(so a new column is read without touching this file). Posts still become model instances, with
what ``select_related`` would have attached:

- ``post.author``: a ``User`` with ``id``, ``username`` and ``display_name`` (all a thread shows
  of a person; any other field would be read on first use, like a deferred field);
- ``post.author_anchor``: the author's stored authority in the question's product (``0`` is
  shown for no row, as ``authority_store.thread_context`` does);
- ``post.my_vote``: the reader's vote (``None`` when there is none or nobody is signed in).

Comments and endorsements become plain rows (``ThreadComment``, ``ThreadEndorsement``: the fields
a thread shows, people as ``Person``).

``tests/forum/test_thread_reads.py`` checks every read against the ORM query it replaces, on
both databases.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection
from django.urls import reverse

from .models import Comment, Endorsement, Post, PostKind, Product, ProductAuthority, Tag, User, Vote

MAX_ID = 2**63 - 1  # the largest id a BigAutoField can hold
#: All a thread shows of a person; the rest of the row stays deferred.
AUTHOR_COLUMNS = ("id", "username", "display_name")
#: ``selectors.ANSWER_ORDER`` as SQL: rank first, then age, then id, so pages never overlap.
ANSWER_ORDER_SQL = "p.rank_score DESC, p.created_at ASC, p.id ASC"


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _columns(model, alias: str, prefix: str = "") -> str:
    return ", ".join(
        f"{alias}.{_q(f.column)}" + (f" AS {_q(prefix + f.column)}" if prefix else "")
        for f in model._meta.concrete_fields
    )


def _author_select() -> str:
    """The author's names (user ``u``) and authority anchor (``a``), beside the row's columns."""
    return "u.username AS author_username, u.display_name AS author_display_name, a.anchor AS author_anchor"


def _joins(alias: str, *, product: str, voter: bool) -> str:
    joins = (
        f" INNER JOIN {_q(User._meta.db_table)} u ON u.id = {alias}.author_id"
        f" LEFT OUTER JOIN {_q(ProductAuthority._meta.db_table)} a"
        f" ON a.user_id = {alias}.author_id AND a.product_id = {product}"
    )
    if voter:
        joins += f" LEFT OUTER JOIN {_q(Vote._meta.db_table)} v ON v.post_id = {alias}.id AND v.voter_id = %s"
    return joins


@functools.cache
def _question_sql(voter: bool) -> str:
    posts, products = _q(Post._meta.db_table), _q(Product._meta.db_table)
    mine = ", v.value AS my_vote" if voter else ""
    return (
        f"SELECT {_columns(Post, 'p')}, {_author_select()}, d.title AS duplicate_title,"
        f" {_columns(Product, 'pr', prefix='product__')}{mine}"
        f" FROM {posts} p INNER JOIN {products} pr ON pr.id = p.product_id"
        f" LEFT OUTER JOIN {posts} d ON d.id = p.duplicate_of_id"
        f"{_joins('p', product='p.product_id', voter=voter)}"
        f" WHERE p.id = %s AND p.kind = %s"
    )


@functools.cache
def _answers_sql(voter: bool, include_deleted: bool) -> str:
    mine = ", v.value AS my_vote" if voter else ""
    visible = "" if include_deleted else " AND p.deleted_at IS NULL"
    # COUNT(*) OVER () is computed before LIMIT: every row carries the number of answers.
    return (
        f"SELECT {_columns(Post, 'p')}, {_author_select()}, COUNT(*) OVER () AS answers_total{mine}"
        f" FROM {_q(Post._meta.db_table)} p{_joins('p', product='p.product_id', voter=voter)}"
        f" WHERE p.question_id = %s{visible} ORDER BY {ANSWER_ORDER_SQL} LIMIT %s OFFSET %s"
    )


@functools.cache
def _comments_sql(count: int) -> str:
    ids = ", ".join(["%s"] * count)
    return (
        "SELECT c.id, c.post_id, c.body, c.body_html, c.created_at, c.author_id, u.username, u.display_name, a.anchor"
        f" FROM {_q(Comment._meta.db_table)} c{_joins('c', product='%s', voter=False)}"
        f" WHERE c.deleted_at IS NULL AND c.post_id IN ({ids}) ORDER BY c.created_at ASC, c.id ASC"
    )


@functools.cache
def _tags_sql() -> str:
    through = Post.tags.through
    return (
        f"SELECT t.id, t.product_id, t.name FROM {_q(Tag._meta.db_table)} t"
        f" INNER JOIN {_q(through._meta.db_table)} pt ON pt.tag_id = t.id"
        f" WHERE pt.post_id = %s ORDER BY t.name ASC, t.id ASC"
    )


@dataclass(frozen=True, slots=True)
class Person:
    """Who wrote a comment, as a thread shows them (``User.name`` and its profile link)."""

    pk: int
    username: str
    display_name: str

    @property
    def id(self) -> int:
        return self.pk

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("forum:profile", args=[self.pk])


@dataclass(frozen=True, slots=True)
class ThreadComment:
    """A comment as a thread shows it. Plain rows, not ``Comment`` instances: a thread has three
    comments per post or more, and building model instances for them cost more than reading
    them. Only the shared fragments' first render reads more than the key's fields."""

    pk: int
    post_id: int
    body: str
    body_html: str
    created_at: datetime
    author_id: int
    author: Person
    author_anchor: int | None

    @property
    def id(self) -> int:
        return self.pk


@dataclass(frozen=True, slots=True)
class ThreadEndorsement:
    """An expert's standing endorsement of an answer, as a thread shows it."""

    pk: int
    answer_id: int
    expert_id: int
    expert: Person
    note: str
    created_at: datetime


@functools.cache
def _endorsements_sql(count: int) -> str:
    ids = ", ".join(["%s"] * count)
    return (
        "SELECT e.id, e.answer_id, e.expert_id, u.username, u.display_name, e.note, e.created_at"
        f" FROM {_q(Endorsement._meta.db_table)} e INNER JOIN {_q(User._meta.db_table)} u ON u.id = e.expert_id"
        f" WHERE e.withdrawn_at IS NULL AND e.answer_id IN ({ids}) ORDER BY e.created_at ASC, e.id ASC"
    )


def _aware(moment: datetime) -> datetime:
    # PostgreSQL gives aware datetimes; SQLite naive ones, stored in UTC (USE_TZ).
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@functools.cache
def _thread_sql(voter: bool) -> str:
    mine = ", v.value AS my_vote" if voter else ""
    return (
        f"SELECT {_columns(Post, 'p')}, {_author_select()}, pr.slug AS product_slug{mine}"
        f" FROM {_q(Post._meta.db_table)} p INNER JOIN {_q(Product._meta.db_table)} pr ON pr.id = p.product_id"
        f"{_joins('p', product='p.product_id', voter=voter)}"
        f" WHERE (p.id = %s AND p.kind = %s) OR p.question_id = %s ORDER BY {ANSWER_ORDER_SQL}"
    )


def _attach_authors(rows, model) -> None:
    """Set ``row.author`` from the row's name columns: one ``User`` per person, shared by their
    rows (a thread's comments are mostly by a few people)."""
    author_field = model._meta.get_field("author")
    people: dict[int, User] = {}
    for row in rows:
        author = people.get(row.author_id)
        if author is None:
            values = (row.author_id, row.author_username, row.author_display_name)
            author = people[row.author_id] = User.from_db(row._state.db, list(AUTHOR_COLUMNS), values)
        author_field.set_cached_value(row, author)


def question(question_id: int, *, voter_id: int | None) -> Post:
    """The question with ``product``, ``author``, ``author_anchor``, ``duplicate_title`` and,
    for a signed-in reader, ``my_vote``. Raises ``Post.DoesNotExist`` if it is not a question."""
    if not 0 < question_id <= MAX_ID:
        raise Post.DoesNotExist(f"No question {question_id}")  # and the database would refuse the number
    voter = voter_id is not None
    params = [voter_id] if voter else []
    rows = list(Post.objects.raw(_question_sql(voter), [*params, question_id, PostKind.QUESTION]))
    if not rows:
        raise Post.DoesNotExist(f"No question {question_id}")
    post = rows[0]
    _attach_authors(rows, Post)
    fields = [f.attname for f in Product._meta.concrete_fields]
    product = Product.from_db(
        post._state.db, fields, [getattr(post, f"product__{f.column}") for f in Product._meta.concrete_fields]
    )
    Post._meta.get_field("product").set_cached_value(post, product)
    return post


def tags(post_id: int) -> list[Tag]:
    """The post's tags by name (``Tag`` instances: the ORM's related manager costs three times
    the CPU for the same rows)."""
    with connection.cursor() as cursor:
        cursor.execute(_tags_sql(), [post_id])
        rows = cursor.fetchall()
    fields = ["id", "product_id", "name"]
    return [Tag.from_db(connection.alias, fields, row) for row in rows]


def votes(voter_id: int, post_ids: list[int]) -> dict[int, int]:
    """The voter's vote rows on these posts, by post (what the thread statements' ``my_vote`` joins)."""
    if not post_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_votes_sql(len(post_ids)), [voter_id, *post_ids])
        return dict(cursor.fetchall())


@functools.cache
def _votes_sql(count: int) -> str:
    ids = ", ".join(["%s"] * count)
    return f"SELECT v.post_id, v.value FROM {_q(Vote._meta.db_table)} v WHERE v.voter_id = %s AND v.post_id IN ({ids})"


def question_and_answers(question_id: int, *, voter_id: int | None) -> tuple[Post, list[Post]]:
    """The question and all its answers (deleted ones too) in one statement, best first, each
    with ``author``, ``author_anchor``, ``product_slug`` and, for a signed-in reader,
    ``my_vote`` (the API's question detail: one round trip instead of three). Raises
    ``Post.DoesNotExist`` if it is not a question."""
    if not 0 < question_id <= MAX_ID:
        raise Post.DoesNotExist(f"No question {question_id}")  # and the database would refuse the number
    voter = voter_id is not None
    params = [voter_id] if voter else []
    rows = list(Post.objects.raw(_thread_sql(voter), [*params, question_id, PostKind.QUESTION, question_id]))
    _attach_authors(rows, Post)
    question = next((row for row in rows if row.pk == question_id), None)
    if question is None:
        raise Post.DoesNotExist(f"No question {question_id}")
    return question, [row for row in rows if row.pk != question_id]


def answers(question: Post, *, voter_id: int | None, include_deleted: bool, limit: int, offset: int) -> list[Post]:
    """One page of the question's answers, best first, each with ``answers_total`` (all of
    them, not just this page)."""
    voter = voter_id is not None
    params = [voter_id] if voter else []
    rows = list(Post.objects.raw(_answers_sql(voter, include_deleted), [*params, question.pk, limit, offset]))
    _attach_authors(rows, Post)
    return rows


def comments(post_ids: list[int], *, product_id: int) -> list[ThreadComment]:
    """The visible comments on these posts, oldest first, with their authors and their
    authority anchors in ``product_id``."""
    if not post_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_comments_sql(len(post_ids)), [product_id, *post_ids])
        rows = cursor.fetchall()
    people: dict[int, Person] = {}
    found = []
    for pk, post_id, body, body_html, created_at, author_id, username, display_name, anchor in rows:
        author = people.get(author_id)
        if author is None:
            author = people[author_id] = Person(author_id, username, display_name)
        found.append(ThreadComment(pk, post_id, body, body_html, _aware(created_at), author_id, author, anchor))
    return found


def endorsements(answer_ids: list[int]) -> dict[int, list[ThreadEndorsement]]:
    """The standing endorsements of these answers, oldest first, by answer."""
    by_answer: dict[int, list[ThreadEndorsement]] = {}
    if not answer_ids:
        return by_answer
    with connection.cursor() as cursor:
        cursor.execute(_endorsements_sql(len(answer_ids)), list(answer_ids))
        rows = cursor.fetchall()
    for pk, answer_id, expert_id, username, display_name, note, created_at in rows:
        expert = Person(expert_id, username, display_name)
        by_answer.setdefault(answer_id, []).append(
            ThreadEndorsement(pk, answer_id, expert_id, expert, note, _aware(created_at))
        )
    return by_answer

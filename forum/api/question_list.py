"""The API's question list (``GET /api/v1/questions/``) in plain SQL.

A page of 50 through the ORM spent most of its CPU building the query (``values()`` with three
joined names, the cursor's filter, the order) and a third shaping rows through a DRF serializer;
the database answers in well under a millisecond. Here one statement per order and cursor
direction is written once per process from the models' metadata (as ``forum/thread_reads.py``
does for the question page), and each row becomes the JSON dict ``QuestionListSerializer``
declares (the schema is still generated from that serializer).

DRF's ``CursorPagination`` still does the paging: ``Rows`` answers the three things it asks of a
queryset (``order_by``, ``filter`` on the cursor's position, a slice), so next and previous
links, offsets and ties are DRF's own. A position the ORM would read otherwise than this module
(text that is no date, a number beyond the column's range: an error or Django's own overflow
rule) is handed to the ORM's queryset, which answers exactly as before. Filters are validated
by django-filter (``filters.question_filters``: its form, its 400s) and written here as SQL
conditions (``filters_of``), each with its ORM twin for the positions handed to the ORM.

``tests/api/test_question_list.py`` compares the bytes with the ORM, DRF-serializer path.
"""

from __future__ import annotations

import functools
from datetime import UTC

from django.db import connection
from django.db.models import Q
from psycopg.types.datetime import TimestamptzLoader

from forum.models import Post, PostKind, Product, Tag, User

from . import selectors as api_selectors
from .serializers import ExpertLookup, Urls

#: A row's columns, in the order of ``selectors.question_rows`` (``values_list``).
COLUMNS = api_selectors.QUESTION_ROW_COLUMNS
#: Where each ordering field sits in a row (the cursor's position is read from it).
INDEX = {name: at for at, name in enumerate(COLUMNS)} | {"pk": 0}


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _column(name: str) -> str:
    return "p." + _q(Post._meta.get_field("id" if name == "pk" else name).column)


@functools.cache
def _select() -> str:
    own = ", ".join(_column(name) for name in api_selectors.QUESTION_ROW_FIELDS)
    user = User._meta
    names = f"u.{_q(user.get_field('username').column)}, u.{_q(user.get_field('display_name').column)}"
    return (
        f"SELECT {own}, pr.{_q(Product._meta.get_field('slug').column)}, {names}"
        f" FROM {_q(Post._meta.db_table)} p"
        f" INNER JOIN {_q(Product._meta.db_table)} pr ON pr.id = p.{_q(Post._meta.get_field('product').column)}"
        f" INNER JOIN {_q(user.db_table)} u ON u.id = p.{_q(Post._meta.get_field('author').column)}"
        # Question.objects.visible()
        f" WHERE p.{_q(Post._meta.get_field('kind').column)} = %s"
        f" AND p.{_q(Post._meta.get_field('deleted_at').column)} IS NULL"
        f" AND p.{_q(Post._meta.get_field('hidden_at').column)} IS NULL"
    )


@functools.cache
def _page_sql(ordering: tuple[str, ...], position: str | None, vendor: str, filters: tuple[str, ...] = ()) -> str:
    """``ordering`` as ``order_by`` takes it; ``position`` a lookup on its first field (``"lt"``,
    ``"gt"``) or ``None``; ``filters`` the condition names ``filters_of`` gave (their values
    are parameters). On PostgreSQL each row carries its tag names too (an array, by name, as
    ``selectors.tag_names_of`` reads them): one round trip for the page."""
    where = "".join(f" AND {_filter_sql(name)}" for name in filters)
    if position is not None:
        where += f" AND {_column(ordering[0].lstrip('-'))} {'<' if position == 'lt' else '>'} %s"
    order = ", ".join(_column(name.lstrip("-")) + (" DESC" if name.startswith("-") else " ASC") for name in ordering)
    select = _select()
    if vendor == "postgresql":
        through = Post.tags.through._meta
        post, tag = _q(through.get_field("post").column), _q(through.get_field("tag").column)
        tags = (
            f", ARRAY(SELECT t.{_q(Tag._meta.get_field('name').column)} FROM {_q(through.db_table)} pt"
            f" INNER JOIN {_q(Tag._meta.db_table)} t ON t.id = pt.{tag} WHERE pt.{post} = p.id"
            f" ORDER BY t.{_q(Tag._meta.get_field('name').column)})"
        )
        select = select.replace(" FROM ", f"{tags} FROM ", 1)
    return f"{select}{where} ORDER BY {order} LIMIT %s OFFSET %s"


def _filter_sql(name: str) -> str:
    """A filter of ``filters.QuestionFilter`` (a name from ``filters_of``) as an SQL condition
    with at most one parameter; each status is a name of its own ("status:open"), without one."""
    through = Post.tags.through._meta
    tag_name = _q(Tag._meta.get_field("name").column)
    conditions = {
        "product": f"{_column('product')} = %s",
        # The ORM joins the tags; a question has each tag name once (names are unique in a
        # product), so EXISTS finds the same rows and never repeats one.
        "tag": (
            f"EXISTS (SELECT 1 FROM {_q(through.db_table)} pt INNER JOIN {_q(Tag._meta.db_table)} t"
            f" ON t.id = pt.{_q(through.get_field('tag').column)}"
            f" WHERE pt.{_q(through.get_field('post').column)} = p.id AND t.{tag_name} = %s)"
        ),
        "author": f"{_column('author')} = %s",
        "created_after": f"{_column('created_at')} >= %s",
        "created_before": f"{_column('created_at')} < %s",
        "status:open": f"{_column('closed_at')} IS NULL",
        "status:closed": f"{_column('closed_at')} IS NOT NULL",
        "status:answered": f"{_column('answer_count')} > 0",
        "status:unanswered": f"{_column('answer_count')} = 0",
        "status:accepted": f"{_column('has_accepted_answer')}",
    }
    return conditions[name]


def filters_of(cleaned: dict) -> tuple[tuple[str, object, Q], ...]:
    """django-filter's cleaned data as (condition name, parameter or ``None``, the ORM's Q), in a
    fixed order; empty values filter nothing, as django-filter skips them."""
    from .filters import STATUSES  # here: filters imports the pagination, which imports this module

    found = []
    if cleaned.get("product") is not None:
        found.append(("product", cleaned["product"].pk, Q(product_id=cleaned["product"].pk)))
    if cleaned.get("tag"):
        found.append(("tag", cleaned["tag"], Q(tags__name=cleaned["tag"])))
    if cleaned.get("status"):
        found.append((f"status:{cleaned['status']}", None, STATUSES[cleaned["status"]]))
    if cleaned.get("author") is not None:
        found.append(("author", cleaned["author"], Q(author_id=cleaned["author"])))
    created = Post._meta.get_field("created_at")
    for name, lookup in (("created_after", "gte"), ("created_before", "lt")):
        if cleaned.get(name) is not None:
            value = created.get_db_prep_value(cleaned[name], connection)
            found.append((name, value, Q(**{f"created_at__{lookup}": cleaned[name]})))
    return tuple(found)


class Rows:
    """The visible questions as DRF's cursor pagination reads them: ``order_by(*fields)``, at most
    one ``filter(<field>__lt=<position>)`` (or ``__gt``), then one slice, which runs one statement
    and returns rows (tuples of ``COLUMNS`` and the tag names)."""

    def __init__(self, ordering: tuple[str, ...] = (), position: tuple[str, object] | None = None, filters: tuple = ()):
        self._ordering = ordering
        self._position = position
        self._filters = filters  # from ``filters_of``

    def order_by(self, *ordering: str) -> Rows:
        return Rows(ordering, self._position, self._filters)

    def filter(self, **lookup):
        ((key, text),) = lookup.items()
        name, op = key.rsplit("__", 1)
        value = _db_value(name, text)
        if value is None:
            # The ORM's own answer: its error (a 400) or its reading of an out-of-range number.
            rows = api_selectors.question_rows().filter(*(q for _name, _value, q in self._filters))
            return rows.order_by(*self._ordering).filter(**lookup)
        return Rows(self._ordering, (op, value), self._filters)

    def __getitem__(self, window: slice) -> list[tuple]:
        op, value = self._position or (None, None)
        filtering = [parameter for _name, parameter, _q in self._filters if parameter is not None]
        params = [PostKind.QUESTION, *filtering, *([value] if op else []), window.stop - window.start, window.start]
        vendor = connection.vendor
        with connection.cursor() as cursor:
            if vendor == "postgresql":
                # psycopg's own loader (in C) for the timestamps: Django's, a Python subclass that
                # sets the connection's time zone, was a sixth of the request. The same instants,
                # in the session's zone (Django sets it to the connection's).
                cursor.cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
            names = tuple(name for name, _value, _q in self._filters)
            cursor.execute(_page_sql(self._ordering, op, vendor, names), params)
            rows = cursor.fetchall()
        if vendor == "postgresql":
            return rows
        # SQLite's datetimes come naive (stored in UTC), the ORM's aware: cursors hold their text.
        return with_tag_names([(*row[:9], *(_aware(moment) for moment in row[9:12]), *row[12:]) for row in rows])


def with_tag_names(rows: list[tuple]) -> list[tuple]:
    """Rows of ``COLUMNS`` with each question's tag names added (one query)."""
    tags = api_selectors.tag_names_of([row[0] for row in rows])
    return [(*row, tags[row[0]]) for row in rows]


def _aware(moment):
    return moment if moment is None or moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _db_value(name: str, text):
    """The parameter the ORM would send for ``<name>__lt=text``, or ``None`` where it would do
    anything else (raise, or rewrite the lookup for a number out of the column's range)."""
    field = Post._meta.get_field(name)
    try:
        value = field.get_prep_value(text)
    except Exception:  # noqa: BLE001 - the ORM raises it again, as before
        return None
    if isinstance(value, int):
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        if not (low is None or low <= value) or not (high is None or value <= high):
            return None
    try:
        return field.get_db_prep_value(value, connection, prepared=True)
    except Exception:  # noqa: BLE001 - the ORM raises it again, as before
        return None


def position(row, field_name: str) -> str:
    """DRF's ``_get_position_from_instance`` for a row: the text a cursor holds."""
    return str(row[INDEX[field_name]])


def page_items(rows: list[tuple], request) -> list[dict]:
    """The page's rows as ``QuestionListSerializer`` writes them (``serializers.question_list_dict``),
    with their tags (one query)."""
    if rows and len(rows[0]) == len(COLUMNS):  # the ORM's rows (filtered lists)
        rows = with_tag_names(rows)
    question_url, user_url = _url_patterns(request)
    experts = ExpertLookup()
    people: dict[tuple[int, int], dict] = {}
    items = []
    for (
        pk,
        title,
        product_id,
        author_id,
        score,
        answer_count,
        comment_count,
        view_count,
        accepted,
        closed_at,
        created_at,
        active_at,
        slug,
        username,
        display_name,
        tags,
    ) in rows:
        author = people.get((author_id, product_id))
        if author is None:
            author = people[author_id, product_id] = {
                "id": author_id,
                "username": username,
                "name": display_name or username,
                "role": "expert" if author_id in experts(product_id) else "customer",
                "authority": None,  # a list shows no authorities (``author_ref`` without them)
                "html_url": user_url.format(author_id),
            }
        items.append(
            {
                "id": pk,
                "title": title,
                "product": slug,
                "tags": tags,
                "author": author,
                "score": score,
                "answer_count": answer_count,
                "comment_count": comment_count,
                "view_count": view_count,
                "has_accepted_answer": accepted,
                "is_closed": closed_at is not None,
                "created_at": _iso(created_at),
                "last_activity_at": _iso(active_at),
                "html_url": question_url.format(pk),
            }
        )
    return items


def _url_patterns(request) -> tuple[str, str]:
    urls = Urls(request)
    return urls.question("{}"), urls.user("{}")


def _iso(moment) -> str:
    """As ``serializers._dt``: ISO 8601 in UTC with a ``Z``."""
    text = moment.isoformat()
    if text.endswith("+00:00"):  # in UTC, or a zone at UTC's offset then: the same text
        return text[:-6] + "Z"
    return moment.astimezone(UTC).isoformat()[:-6] + "Z"

"""The bot's question log in plain SQL: the ``BotQuery`` and ``BotMiss`` statements that the bot
answer API runs on every question, written once from the models' own table and column names.

Every bot question writes a row, and most (nine in ten under the load benchmark) are misses that
also compare the question with up to ``MISS_GROUP_WINDOW`` open miss groups. Through the ORM
that was most of the endpoint's CPU: compiling each query, decoding every group's ``tokens`` JSON
through ``from_db_value``, a ``get`` after the ``update``, and six round trips to PostgreSQL
(begin, ``SET LOCAL``, select, update, insert, commit). Here:

- each statement is a string built once; values go through the fields' own
  ``get_db_prep_save`` where that is not the identity (the datetimes);
- a group's token set is decoded once per process, cached under the column's stored JSON text,
  so a changed (or reused) row can never be given another row's tokens;
- on PostgreSQL the write is one statement in autocommit (the group's ``UPDATE`` in a
  ``WITH``, the ``INSERT`` after it, atomic as one statement) that turns off the wait for the WAL
  flush for its own commit with ``RETURNING set_config('synchronous_commit', 'off', true)``: the
  ``SET LOCAL`` of before, without a transaction around it. A query log row lost in a crash
  costs nothing; waiting for the flush on every bot question costs milliseconds. SQLite has
  neither, so there the statements run one after the other in a transaction.

The rules (which group a miss joins) stay in ``knowledge.services``; this module reads and
writes rows.
"""

import json
from functools import cache

from django.db import connection, transaction

from .models import BotMiss, BotQuery

# Far more than the distinct token lists of the open groups (a few short words each); past it
# the cache starts again rather than grow without bound.
TOKEN_CACHE_SIZE = 20_000
_token_sets: dict[str, frozenset] = {}

QUERY_FIELDS = ("product", "locale", "text", "confidence", "article", "miss", "created_at")


@cache
def _statements(vendor: str) -> dict[str, str]:
    # Built per vendor for the quoting (and PostgreSQL's single statement); the rest is portable.
    quote = connection.ops.quote_name
    miss_table, query_table = quote(BotMiss._meta.db_table), quote(BotQuery._meta.db_table)

    def miss(name: str) -> str:
        return quote(BotMiss._meta.get_field(name).column)

    def query(name: str) -> str:
        return quote(BotQuery._meta.get_field(name).column)

    window = f"{miss('resolved_at')} IS NULL ORDER BY {miss('last_seen')} DESC LIMIT %s"
    select = f"SELECT {miss('id')}, {miss('tokens')}, {miss('text')} FROM {miss_table}"
    bump = f"UPDATE {miss_table} SET {miss('count')} = {miss('count')} + 1, {miss('last_seen')} = %s "
    bump += f"WHERE {miss('id')} = %s"
    insert = f"INSERT INTO {query_table} ({', '.join(query(name) for name in QUERY_FIELDS)}) "
    insert += f"VALUES ({', '.join(['%s'] * len(QUERY_FIELDS))})"
    statements = {
        "open_groups": f"{select} WHERE {miss('product')} = %s AND {window}",
        "open_groups_no_product": f"{select} WHERE {miss('product')} IS NULL AND {window}",
        "group_bump": bump,
        "query_insert": insert,
    }
    if vendor == "postgresql":
        no_flush_wait = " RETURNING set_config('synchronous_commit', 'off', true)"
        statements["query_insert"] = insert + no_flush_wait
        statements["query_insert_bump"] = f"WITH bump AS ({bump}) {insert}{no_flush_wait}"
    return statements


def _sql(name: str) -> str:
    return _statements(connection.vendor)[name]


def _datetime(value):
    return BotQuery._meta.get_field("created_at").get_db_prep_save(value, connection)


def _token_set(stored: str) -> frozenset:
    tokens = _token_sets.get(stored)
    if tokens is None:
        if len(_token_sets) >= TOKEN_CACHE_SIZE:
            _token_sets.clear()
        # As ``JSONField.from_db_value`` reads it (the field has no custom decoder).
        tokens = _token_sets[stored] = frozenset(json.loads(stored))
    return tokens


def open_groups(*, product_id: int | None, limit: int) -> list[tuple[int, frozenset, str]]:
    """The product's ``limit`` most recently seen open miss groups, most recent first, as
    (id, token set, text): ``BotMiss.objects.filter(product=..., resolved_at__isnull=True)
    .order_by("-last_seen").values_list("pk", "tokens", "text")[:limit]``, the tokens as sets."""
    with connection.cursor() as cursor:
        if product_id is None:
            cursor.execute(_sql("open_groups_no_product"), [limit])
        else:
            cursor.execute(_sql("open_groups"), [product_id, limit])
        rows = cursor.fetchall()
    return [(group_id, _token_set(tokens), text) for group_id, tokens, text in rows]


def query_insert(
    *,
    product_id: int | None,
    locale: str,
    text: str,
    confidence: float,
    article_id: int | None,
    miss_id: int | None,
    created_at,
    bump_group: bool = False,
) -> None:
    """Write one ``BotQuery`` row, as ``BotQuery.objects.create`` would (no signal listens for
    it); with ``bump_group``, count it in its miss group too (``count + 1``, ``last_seen``)."""
    now = _datetime(created_at)
    params = [product_id, locale, text, float(confidence), article_id, miss_id, now]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if bump_group:
                cursor.execute(_sql("query_insert_bump"), [now, miss_id, *params])
            else:
                cursor.execute(_sql("query_insert"), params)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        if bump_group:
            cursor.execute(_sql("group_bump"), [now, miss_id])
        cursor.execute(_sql("query_insert"), params)

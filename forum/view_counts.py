"""Question view counts, gathered in each web process and written a few at a time.

Every reader's visit to a question page counts (the asker's own do not). Written one by one,
that is an ``UPDATE`` per page view: on a busy site the most frequent write of all, each a row
lock on the question that votes and edits also take, for a number nobody needs to the second.
So each process adds its views up in memory and writes them together, in one statement, once
the oldest is ``WENDAO["VIEW_COUNT_FLUSH_SECONDS"]`` old (and when the process exits).
``0`` (the embedded default) writes every view at once.

What can be lost: the views a process had not written yet when it was killed outright (a
``SIGKILL`` or a machine crash), at most that many seconds' worth. On PostgreSQL the write also
does not wait for the disk (``synchronous_commit`` off for that transaction alone): a crash
can lose the last moment's views and nothing else; every other write keeps full durability.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import Counter

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from .models import Post

logger = logging.getLogger(__name__)

_pending: Counter[int] = Counter()
_oldest: float | None = None  # when the oldest unwritten view was counted (monotonic clock)
_lock = threading.Lock()


def interval() -> float:
    return settings.WENDAO.get("VIEW_COUNT_FLUSH_SECONDS", 0)


def count(question_id: int) -> None:
    """Count one view of the question: now, or with the others once they are due."""
    global _oldest
    now = time.monotonic()
    with _lock:
        _pending[question_id] += 1
        if _oldest is None:
            _oldest = now
        due = now - _oldest >= interval()
    if due:
        flush()


def pending() -> dict[int, int]:
    """Views counted in this process and not written yet."""
    with _lock:
        return dict(_pending)


def flush() -> None:
    """Write every view this process has counted and not written yet, in one statement."""
    global _oldest
    with _lock:
        counts = dict(_pending)
        _pending.clear()
        _oldest = None
    if not counts:
        return
    try:
        _write(counts)
    except DatabaseError:
        # Views are worth a retry, not an error page: keep them for the next flush.
        with _lock:
            _pending.update(counts)
            if _oldest is None:
                _oldest = time.monotonic()
        if connection.in_atomic_block:
            raise  # the caller's transaction is broken: it must know
        logger.warning("Could not write %d questions' view counts; keeping them for the next try", len(counts))


def _write(counts: dict[int, int]) -> None:
    table = connection.ops.quote_name(Post._meta.db_table)
    ids = sorted(counts)  # one lock order for every process: concurrent flushes never deadlock
    cases = " ".join("WHEN %s THEN %s" for _ in ids)
    update = (
        f"UPDATE {table} SET view_count = view_count + CASE id {cases} ELSE 0 END"
        f" WHERE id IN ({', '.join(['%s'] * len(ids))})"
    )
    params = [value for pk in ids for value in (pk, counts[pk])] + ids
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(update, params)
        return
    disk = "SET LOCAL synchronous_commit TO OFF"
    if connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"):
        # Prepared statements take one command at a time, so SET LOCAL needs a transaction.
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            cursor.execute(disk)
            cursor.execute(update, params)
        return
    # One round trip, one statement string (Django's psycopg cursor binds parameters on the
    # client): PostgreSQL runs it as one implicit transaction, which SET LOCAL applies to.
    with connection.cursor() as cursor:
        cursor.execute(f"{disk}; {update}", params)


@atexit.register
def _flush_at_exit() -> None:
    # A web worker recycled by gunicorn (max_requests) or stopped with SIGTERM exits normally.
    if _pending:
        try:
            flush()
        except Exception:  # noqa: BLE001 - at exit there is nobody left to tell but the log
            logger.exception("Could not write view counts at exit")

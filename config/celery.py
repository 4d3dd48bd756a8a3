"""The Celery application. Settings come from Django's settings with the CELERY_ prefix.

Delivery is at least once: tasks are acknowledged late (``CELERY_TASK_ACKS_LATE``), so a task
whose worker dies is delivered again (see docs/deploy.md, "Faults"). A task can therefore start
twice: once more after a crash, or while it still runs elsewhere when it outlives the Redis
visibility timeout. ``exclusive`` below is how the long tasks make that harmless.
"""

import contextlib
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("wendao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@contextlib.contextmanager
def exclusive(name: str, key: int = 0):
    """Run the body while no other process runs it for the same ``(name, key)``; wait if one does.

    A PostgreSQL session-level advisory lock: it belongs to the worker's database session, so
    when the worker dies (even by SIGKILL) PostgreSQL ends the session and the lock is gone. A
    task that holds it and finds its job marked "running" therefore knows the worker that marked
    it is dead and may take the job over. Yields True when such a lock is held; on other
    databases (SQLite, where tasks run eagerly in the caller) it yields False and takes no lock.
    """
    from django.db import DatabaseError, connection

    if connection.vendor != "postgresql":
        yield False
        return
    # One 64-bit key hashed by PostgreSQL from the name and the key (any size of id fits).
    lock_key = f"{name}:{key}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [lock_key])
    try:
        yield True
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [lock_key])
        except DatabaseError:
            # A broken session must not hide the body's own error; closing it releases the lock.
            connection.close()

"""Throwaway databases for benchmarks: a SQLite file in a temporary folder, or a PostgreSQL
database created for the run and dropped after it. Never the site's database, never ``test``.

A benchmark runs its Django code in a child process whose environment comes from
``throwaway_database``, so each database gets a fresh Django with its own settings.
"""

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

# The PostgreSQL server of `make test` (trust auth); each run's database is this name plus a
# run id (process and counter), created for the run and dropped after it.
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/wendao_bench"
# The Redis the PostgreSQL pass uses as Django's cache, as production does (config/production.env.example).
DEFAULT_REDIS_CACHE_URL = "redis://127.0.0.1:6379/6"

# Settings that would point a child process at someone else's services or data.
_INHERITED_NOISE = ("DATABASE_URL", "TEST_DB_NAME", "CELERY_BROKER_URL", "CACHE_URL", "WHOOSH_INDEX_PATH")


_runs = 0


class DatabaseUnavailable(RuntimeError):
    pass


def _base_env(var_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _INHERITED_NOISE}
    env.update(
        # Production-shaped: DEBUG off (no query log, no template debug info), persistent
        # connections as config/production.env.example sets them. Tasks run eagerly (no broker).
        DJANGO_DEBUG="0",
        SECRET_KEY="wendao-benchmark-only-" + "x" * 40,
        DB_CONN_MAX_AGE="60",
        WENDAO_VIEW_COUNT_FLUSH_SECONDS="10",
        CELERY_TASK_ALWAYS_EAGER="1",
        WENDAO_VAR_DIR=var_dir,
        WHOOSH_INDEX_PATH=os.path.join(var_dir, "whoosh_index"),
        # The search index is written by the search worker, never in a page request; building the
        # data would otherwise spend most of its time committing Whoosh segments.
        HAYSTACK_ENGINE="haystack.backends.simple_backend.SimpleEngine",
        PYTHONWARNINGS="ignore",
        LOG_LEVEL="ERROR",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


@contextlib.contextmanager
def throwaway_database(kind: str) -> Iterator[tuple[dict[str, str], str]]:
    """Yield (environment for a child process, description) for a fresh, empty database."""
    global _runs
    _runs += 1
    run_id = f"{os.getpid()}_{_runs}"  # benchmarks may run side by side: nothing shared
    var_dir = tempfile.mkdtemp(prefix=f"wendao-bench-{kind}-")
    os.makedirs(os.path.join(var_dir, "staticfiles"))  # whitenoise warns when STATIC_ROOT is missing
    try:
        env = _base_env(var_dir)
        if kind == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{os.path.join(var_dir, 'bench.sqlite3')}"
            yield env, "SQLite (WAL), local-memory cache"
        elif kind == "postgres":
            base = urlsplit(os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL))
            url = urlunsplit(base._replace(path=f"{base.path.rstrip('/')}_{run_id}"))
            cache_url = os.environ.get("BENCH_CACHE_URL", DEFAULT_REDIS_CACHE_URL)
            _check_redis(cache_url)
            with _postgres_database(url):
                env["DATABASE_URL"] = url
                env["CACHE_URL"] = cache_url
                env["CACHE_KEY_PREFIX"] = f"wendao-bench-{run_id}"
                yield env, "PostgreSQL, Redis cache"
        else:
            raise ValueError(f"unknown database {kind!r}: use sqlite or postgres")
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


@contextlib.contextmanager
def _postgres_database(url: str) -> Iterator[None]:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or name in {"test", "postgres", "template0", "template1"}:
        raise ValueError(f"refusing to use {name!r} as a throwaway benchmark database")
    admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        raise DatabaseUnavailable(
            f"PostgreSQL is not reachable at {parts.hostname}:{parts.port or 5432} ({error}). "
            "Start it (make services) or run with --databases sqlite."
        ) from error
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with admin:
        admin.execute(drop)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield
        finally:
            admin.execute(drop)


def _check_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.exceptions.RedisError as error:
        raise DatabaseUnavailable(
            f"Redis is not reachable at {url} ({error}). Start it (make services) or run with --databases sqlite."
        ) from error

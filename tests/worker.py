"""A real Celery worker process for the tests marked ``worker``.

The worker is a separate ``celery worker`` process on the Redis broker, pointed at the test
database pytest-django created, so a task really crosses the broker and a process boundary.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery.utils.nodenames import host_format
from django.conf import settings

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    db = settings.DATABASES["default"]
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    user = db.get("USER") or "postgres"
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


def start_worker(
    *, name: str, queues: str, log_path: Path, env: dict | None = None, pool: str = "solo", options=()
) -> subprocess.Popen:
    """Start ``celery worker`` on the test database and return once it answers a ping addressed
    to it. The solo pool runs tasks in that one process; any other pool gets a process group of
    its own, so that ``os.killpg`` ends the worker and its pool children together."""
    worker_env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "WHOOSH_INDEX_PATH": settings.WHOOSH_INDEX_PATH,
        **(env or {}),
    }
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                f"--pool={pool}",
                "--loglevel=INFO",
                "-Q",
                queues,
                "-n",
                name,
                *options,
            ],
            cwd=ROOT,
            env=worker_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=pool != "solo",
        )
    node = host_format(name)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The Celery worker exited early; see {log_path}")
        if celery_app.control.ping(destination=[node], timeout=1.0):
            return process
    process.kill()
    process.wait(timeout=30)
    raise RuntimeError(f"The Celery worker {node} did not answer a ping within 60 s; see {log_path}")


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    log_path = Path(settings.VAR_DIR) / "test-worker.log"
    log_path.unlink(missing_ok=True)
    process = start_worker(name=f"test-{os.getpid()}@%h", queues="default,search", log_path=log_path)
    yield process
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture
def celery_worker(celery_worker_process, transactional_db):
    """Send tasks to the real worker for the duration of one test."""
    celery_app.conf.task_always_eager = False
    yield celery_worker_process
    celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")

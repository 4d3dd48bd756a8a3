"""A Celery worker killed in the middle of a long task: after a restart the result is whole and
nothing is doubled (late acknowledgement on idempotent tasks).

Real ``celery worker`` processes on PostgreSQL and Redis, consuming a queue of their own (the
suite's shared worker of ``tests/worker.py`` may be alive and must not take these tasks). The
kill lands at a known point, whatever the machine's speed: the test holds a table lock the task
is about to need, waits until the worker's database session is seen waiting for that lock (so
the task has really started and done part of its work), SIGKILLs the worker's process group
(the main process and its pool child together), releases the lock and starts a fresh worker.
Redis gives the unacknowledged message back once it is older than the visibility timeout,
here 2 s (``CELERY_VISIBILITY_TIMEOUT``).

The workers use the prefork pool as in production, not the solo pool: with the solo pool the
worker only sends an early ("not late") acknowledgement once the task returns, so a kill would
look like late acks whatever the setting. With ``acks_late=False`` on the task the kill tests
fail: the message was acknowledged when the dead worker took it, nobody runs it again, and the
job never finishes; with ``reject_on_worker_lost=False`` the pool-child case fails (the worker
records the task as failed instead of handing it back). Also tried: with the old claim, which
took only "queued" jobs, the redelivered export skipped its "running" job, which never finished.
"""

import json
import os
import signal
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from config.celery import app as celery_app
from forum import services as forum_services
from forum.authority_store import recompute
from forum.models import Post, ProductAuthority
from forum.reconcile import reconcile
from forum.tasks import authority_recompute
from knowledge.models import Article, ArticleStatus, ExportJob, ExportStatus
from knowledge.tasks import export_dir, export_run
from tests.factories import UserFactory, make_answer, make_question
from tests.worker import _database_url, start_worker, wait_until

pytestmark = pytest.mark.postgres

QUEUE = f"faults-{os.getpid()}"
VISIBILITY_TIMEOUT = 2
ARTICLES = 1200  # more than one progress step (500), so the kill lands inside the file


class Workers:
    """Start real workers on the private queue; kill or stop them; never leave one behind."""

    def __init__(self, tmp_path: Path):
        self.log_path = tmp_path / "workers.log"
        self.env = {
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "KB_EXPORT_DIR": str(tmp_path / "exports"),
        }
        self.processes = []

    def start(self):
        name = f"faults-{os.getpid()}-{len(self.processes)}@%h"
        # No start-up handshakes with other workers: they only slow the start.
        options = ("--concurrency=1", "--without-mingle", "--without-gossip")
        process = start_worker(
            name=name, queues=QUEUE, log_path=self.log_path, env=self.env, pool="prefork", options=options
        )
        self.processes.append(process)
        return process

    def kill(self, process) -> None:
        """SIGKILL the worker and its pool child at once: nothing gets to say goodbye."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def kill_pool_child(self, process) -> None:
        """SIGKILL only the pool process running the task; the worker's main process lives on."""
        children = _children_of(process.pid)
        assert len(children) == 1, children
        os.kill(children[0], signal.SIGKILL)

    def stop_all(self) -> None:
        # The test is over and its tasks are acknowledged: no need for a (slow) warm shutdown.
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


def _children_of(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process has just ended
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


@pytest.fixture
def workers(transactional_db, tmp_path, settings):
    settings.KNOWLEDGE = {**settings.KNOWLEDGE, "EXPORT_DIR": str(tmp_path / "exports")}
    pool = Workers(tmp_path)
    yield pool
    pool.stop_all()


def send(task, *args) -> None:
    """Through the broker to this test's queue (the suite otherwise runs tasks eagerly, and the
    test data above is made that way)."""
    celery_app.conf.task_always_eager = False
    try:
        task.apply_async(args, queue=QUEUE)
    finally:
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


def waiting_for(table: str) -> list[str]:
    """The queries of other database sessions (the worker's) waiting for a lock on ``table``."""
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL keeps one snapshot of the activity view; drop it.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT query FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query LIKE %s",
            [f"%{table}%"],
        )
        return [query for (query,) in cursor.fetchall()]


@contextmanager
def table_locked(table: str, mode: str):
    """Hold a lock on ``table`` on a connection of its own until the block ends."""
    with psycopg.connect(_database_url()) as other:
        other.execute(f"LOCK TABLE {table} IN {mode} MODE")
        yield
        other.rollback()


# --- A knowledge-base export -----------------------------------------------------------------
def _publish_many(product, count: int) -> list[int]:
    now = timezone.now()
    Article.objects.bulk_create(
        Article(
            product=product,
            title=f"How do I fix problem number {n}?",
            slug=f"problem-{n}",
            alt_questions=[f"problem {n}", f"fix {n}"],
            answer_markdown=f"Step one for problem {n}. " * 20,
            answer_text=f"Step one for problem {n}. " * 20,
            locale="en",
            status=ArticleStatus.PUBLISHED,
            published_at=now,
            updated_at=now,
        )
        for n in range(count)
    )
    return list(Article.objects.order_by("pk").values_list("pk", flat=True))


@pytest.mark.worker
@pytest.mark.parametrize("victim", ["worker", "pool child"])
def test_an_export_killed_half_written_is_finished_whole_by_the_next_worker(workers, product, kate, victim):
    """Killing the whole worker: the message waits out the visibility timeout and a fresh worker
    runs it. Killing the pool child only: the worker's main process puts the task back at once
    (reject on worker lost) and its new child runs it."""
    article_ids = _publish_many(product, ARTICLES)
    first = workers.start()
    # What knowledge.services.export_job_start does, but sent to this test's queue.
    job = ExportJob.objects.create(requested_by=kate, format="jsonl")
    target = export_dir() / f"{job.pk}-wendao-kb-all.jsonl"
    articles, jobs = Article._meta.db_table, ExportJob._meta.db_table
    with transaction.atomic():
        with table_locked(articles, "ACCESS EXCLUSIVE"):
            send(export_run, job.pk)
            # The worker has claimed the job and waits to read the articles...
            wait_until(lambda: waiting_for(articles), timeout=30, interval=0.05)
            assert ExportJob.objects.get(pk=job.pk).status == ExportStatus.RUNNING
            connection.cursor().execute(f"LOCK TABLE {jobs} IN EXCLUSIVE MODE")
        # ...then, let through, writes 500 articles and stops at its first progress report.
        blocked = wait_until(lambda: waiting_for(jobs), timeout=30, interval=0.05)
        assert "progress" in blocked[0], blocked
        assert not target.exists()
        assert list(export_dir().glob(f".{target.name}.*.part")), "no half-written file"
        if victim == "worker":
            workers.kill(first)
        else:
            workers.kill_pool_child(first)

    if victim == "worker":
        workers.start()
    wait_until(lambda: ExportJob.objects.get(pk=job.pk).is_finished, timeout=45, interval=0.2)

    job.refresh_from_db()
    assert (job.status, job.progress, job.error) == (ExportStatus.DONE, 100, "")
    assert ExportJob.objects.count() == 1
    assert sorted(path.name for path in export_dir().iterdir()) == [target.name]
    lines = target.read_text("utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == article_ids
    assert job.article_count == ARTICLES and job.size == target.stat().st_size


def test_a_job_left_running_by_a_dead_worker_is_taken_over_and_its_temporary_file_removed(
    db, product, kate, tmp_path, settings
):
    settings.KNOWLEDGE = {**settings.KNOWLEDGE, "EXPORT_DIR": str(tmp_path / "exports")}
    article_ids = _publish_many(product, 3)
    # What a worker killed mid-export leaves: the job "running", half a file under a temporary name.
    job = ExportJob.objects.create(requested_by=kate, format="jsonl", status=ExportStatus.RUNNING, progress=40)
    leftover = export_dir() / f".{job.pk}-wendao-kb-all.jsonl.x1y2z3.part"
    leftover.write_text('{"id": 1')

    assert export_run(job.pk) == "done"
    assert export_run(job.pk) == "skipped"

    job.refresh_from_db()
    assert (job.status, job.article_count) == (ExportStatus.DONE, 3)
    assert [path.name for path in export_dir().iterdir()] == [job.file_name]
    lines = (export_dir() / job.file_name).read_text("utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == article_ids


# --- An authority recompute ------------------------------------------------------------------
def _stored_authority():
    # A missing row and a row with anchor 0 mean the same; the recompute drops such rows.
    authorities = sorted(ProductAuthority.objects.exclude(anchor=0).values_list("user_id", "product_id", "anchor"))
    ranks = sorted(
        Post.objects.values_list(
            "pk", "author_authority", "weighted_up", "weighted_down", "endorsement_count", "rank_score"
        )
    )
    return authorities, ranks


def _votes(product, erin):
    voters = UserFactory.create_batch(12)
    for q in range(3):
        question = make_question(author=voters[q], product=product, title=f"Router question number {q} today")
        answers = [make_answer(question=question, author=author) for author in voters[4:8]]
        forum_services.answer_endorse(expert=erin, answer=answers[0])
        for i, voter in enumerate(voters[:4] + voters[8:]):
            for a, answer in enumerate(answers):
                if (i + a + q) % 3:
                    forum_services.vote_cast(voter=voter, post=answer, value=1 if (i + a) % 4 else -1)


@pytest.mark.worker
def test_a_recompute_killed_mid_transaction_is_redone_by_the_next_worker(workers, product, erin):
    _votes(product, erin)
    recompute()
    expected = _stored_authority()
    # Drift for the recompute to repair: wrong anchors, a lost row, zeroed ranks.
    ProductAuthority.objects.filter(pk__in=ProductAuthority.objects.order_by("pk").values("pk")[:1]).delete()
    for row in ProductAuthority.objects.all():
        ProductAuthority.objects.filter(pk=row.pk).update(anchor=row.anchor + 777)
    Post.objects.update(weighted_up=0, weighted_down=0, rank_score=0.0)
    assert _stored_authority() != expected

    first = workers.start()
    authorities = ProductAuthority._meta.db_table
    with table_locked(authorities, "EXCLUSIVE"):
        send(authority_recompute)
        # Inside its one transaction, about to replace the authority rows.
        wait_until(lambda: waiting_for(authorities), timeout=30, interval=0.05)
        workers.kill(first)

    workers.start()
    wait_until(lambda: _stored_authority() == expected, timeout=45, interval=0.2)

    pairs = list(ProductAuthority.objects.values_list("user_id", "product_id"))
    assert len(pairs) == len(set(pairs))
    recompute()
    assert _stored_authority() == expected
    assert reconcile().total == 0

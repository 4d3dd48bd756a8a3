import json

import pytest

from knowledge import services
from knowledge.models import ExportJob
from knowledge.tasks import export_dir, export_run
from tests.worker import wait_until

pytestmark = pytest.mark.django_db


def test_an_export_task_runs_once_even_if_delivered_twice(kate, article):
    job = services.export_job_start(user=kate, format="jsonl")
    assert export_run(job.pk) == "done"
    assert export_run(job.pk) == "skipped"
    job.refresh_from_db()
    lines = (export_dir() / job.file_name).read_text("utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [article.pk]


def test_a_failing_export_is_recorded_with_its_message(kate, article, settings, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    settings.KNOWLEDGE = {**settings.KNOWLEDGE, "EXPORT_DIR": str(blocker)}
    job = services.export_job_start(user=kate, format="jsonl")
    assert export_run(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and job.error and job.finished_at


@pytest.mark.worker
@pytest.mark.postgres
def test_a_real_worker_writes_an_export(celery_worker, kate, candidate):
    from .conftest import publish

    publish(candidate, kate)
    job = services.export_job_start(user=kate, format="rasa")
    wait_until(lambda: ExportJob.objects.get(pk=job.pk).is_finished, timeout=60)
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert job.article_count == 1 and job.size > 0

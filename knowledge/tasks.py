"""Thin Celery tasks for the knowledge base. Each is idempotent: acks are late, so a task whose
worker died is delivered again (docs/deploy.md, "Faults")."""

import contextlib
import logging
from pathlib import Path

from celery import shared_task
from django.utils import timezone

from config.celery import exclusive

from . import conf, exporters, services
from .models import ExportJob, ExportStatus

log = logging.getLogger(__name__)


def export_dir() -> Path:
    path = Path(conf.get("EXPORT_DIR"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@shared_task(acks_late=True, reject_on_worker_lost=True)
def export_run(job_id: int) -> str:
    """Write one requested export, reporting progress on the job row as it goes.

    Safe to deliver again (acks are late, so a killed worker's task comes back): the job is
    claimed under a lock held by this worker's database session, a job still marked "running"
    whose lock is free was left by a dead worker and is taken over, the file is written under a
    temporary name and renamed when whole, and a job already done is skipped.
    """
    with exclusive("knowledge.export", job_id) as locked:
        # Without the session lock (SQLite) "running" may mean alive elsewhere: leave it be.
        claimable = [ExportStatus.QUEUED, ExportStatus.RUNNING] if locked else [ExportStatus.QUEUED]
        claimed = ExportJob.objects.filter(pk=job_id, status__in=claimable).update(
            status=ExportStatus.RUNNING, progress=0
        )
        if not claimed:
            return "skipped"
        return _export(job_id)


def _export(job_id: int) -> str:
    job = ExportJob.objects.select_related("product").get(pk=job_id)
    name = f"{job.pk}-" + exporters.file_name(job.format, product=job.product, locale=job.locale, since=job.since)
    _remove_partial_files(name)

    def progress(done: int, total: int) -> None:
        ExportJob.objects.filter(pk=job_id).update(progress=min(99, int(100 * done / max(total, 1))))

    try:
        result = exporters.export_to_path(
            job.format,
            export_dir() / name,
            product=job.product,
            locale=job.locale,
            since=job.since,
            progress=progress,
        )
    except Exception as error:
        log.exception("export %s failed", job_id)
        message = str(error) if isinstance(error, exporters.ExportError) else f"{type(error).__name__}: {error}"
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportStatus.FAILED, error=message[:2000], finished_at=timezone.now()
        )
        return "failed"
    ExportJob.objects.filter(pk=job_id).update(
        status=ExportStatus.DONE,
        progress=100,
        article_count=result.count,
        deleted_count=result.deleted,
        file_name=name,
        size=result.size,
        sha256=result.sha256,
        finished_at=timezone.now(),
    )
    return "done"


def _remove_partial_files(name: str) -> None:
    """Delete the temporary files a killed run of this job left beside its target (the export
    writes ``.<name>.<random>.part`` and renames it when whole). Only the run that claimed the
    job calls this, so no live run is writing them."""
    with contextlib.suppress(OSError):
        for leftover in export_dir().glob(f".{name}.*.part"):
            leftover.unlink(missing_ok=True)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def resolve_bot_misses(product_id: int | None) -> int:
    """Mark the product's bot misses that a newly published article answers as resolved."""
    return services.bot_misses_resolve(product_id=product_id)


@shared_task
def knowledge_sweep() -> dict:
    """Daily: articles past "valid until" go back for re-verification, and accepted answers whose
    score rose without a signal (a full authority recompute) become candidates."""
    from .selectors import answers_due_for_evaluation

    expired = services.articles_flag_expired()
    created = 0
    for answer in answers_due_for_evaluation():
        if services.candidate_evaluate(answer=answer) is not None:
            created += 1
    return {"expired": expired, "evaluated": created}

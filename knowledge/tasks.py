"""Thin Celery tasks for the knowledge base. Each is idempotent (acks are late)."""

import logging
from pathlib import Path

from celery import shared_task
from django.utils import timezone

from . import conf, exporters, services
from .models import ExportJob, ExportStatus

log = logging.getLogger(__name__)


def export_dir() -> Path:
    path = Path(conf.get("EXPORT_DIR"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@shared_task(acks_late=True)
def export_run(job_id: int) -> str:
    """Write one requested export, reporting progress on the job row as it goes.

    Claimed with a conditional update, so a redelivered task never writes the same job twice.
    """
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(status=ExportStatus.RUNNING)
    if not claimed:
        return "skipped"
    job = ExportJob.objects.select_related("product").get(pk=job_id)
    name = f"{job.pk}-" + exporters.file_name(job.format, product=job.product, locale=job.locale, since=job.since)

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

"""Thin Celery tasks: fetch by id, call a service. Every task is idempotent: acks are late
(settings), so a task whose worker died is delivered again (docs/deploy.md, "Faults").

The long ones say ``acks_late`` and ``reject_on_worker_lost`` themselves, so that no settings
change can quietly make them at-most-once.
"""

from celery import shared_task

from config.celery import exclusive

from . import services
from .models import Post
from .rendering import RENDERER_VERSION


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def post_rerender(post_id: int) -> bool:
    """Re-render one post's cached HTML if it was made by an older renderer."""
    post = Post.objects.filter(pk=post_id).exclude(body_html_version=RENDERER_VERSION).first()
    if post is None:
        return False
    services.post_rerender(post=post)
    return True


# Search: every task named search_* goes to the "search" queue (CELERY_TASK_ROUTES), consumed by
# one worker process, so the Whoosh index has a single writer.
@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def search_reindex_question(question_id: int) -> bool:
    """Bring one question's search document up to date (or remove it); idempotent."""
    from .search.indexing import needs_merge, question_reindex

    indexed = question_reindex(question_id=question_id)
    if needs_merge():
        search_merge_segments.delay()
    return indexed


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=8)
def search_merge_segments() -> int | None:
    """Merge the small index segments that single updates leave, as a task of its own, so that
    no update waits for a merge (docs/search.md); idempotent."""
    from .search.indexing import merge_segments

    return merge_segments()


# Notifications (forum/notifications.py): queued with transaction.on_commit; each idempotent.
@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def notification_send_email(notification_id: int) -> bool:
    from .notifications import email_notification

    return email_notification(notification_id=notification_id)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def notification_send_digest(user_id: int) -> int:
    from .notifications import email_digest

    return email_digest(user_id=user_id)


@shared_task
def notifications_send_digests() -> int:
    """Daily, by django-celery-beat (CELERY_BEAT_SCHEDULE): one digest task per person due."""
    from .notifications import digest_due_user_ids

    user_ids = digest_due_user_ids()
    for user_id in user_ids:
        notification_send_digest.delay(user_id)
    return len(user_ids)


# The authority jobs rewrite whole tables in one transaction each: a killed run leaves nothing
# (PostgreSQL rolls it back) and the redelivered run writes the same result from the rows. Two
# at once would race on the same rows, so they take turns under one lock.
AUTHORITY_LOCK = "forum.authority"


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def authority_recompute(product_id: int | None = None) -> dict:
    """Rebuild the authority index from the rows (idempotent: a rerun changes nothing)."""
    from .authority_store import recompute

    with exclusive(AUTHORITY_LOCK):
        return recompute(product_id=product_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def serial_votes_reverse(product_id: int | None = None) -> int:
    """Void serial votes of the last weeks and log each case (idempotent: voided votes are not
    found again)."""
    from .voting_fraud import reverse_serial_votes

    with exclusive(AUTHORITY_LOCK):
        return len(reverse_serial_votes(product_id=product_id))


@shared_task(acks_late=True, reject_on_worker_lost=True)
def authority_nightly() -> dict:
    """Nightly, by django-celery-beat (migration 0005): reverse serial votes, then recompute all."""
    from .authority_store import recompute
    from .voting_fraud import reverse_serial_votes

    with exclusive(AUTHORITY_LOCK):
        reversed_cases = len(reverse_serial_votes())
        return {"reversals": reversed_cases, **recompute()}

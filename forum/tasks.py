"""Thin Celery tasks: fetch by id, call a service. Every task is idempotent (acks are late)."""

from celery import shared_task

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

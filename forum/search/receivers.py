"""Keep the search index in step with the forum: every change that alters what a question's
document holds queues that question's re-index, once the change is committed.

The task goes to the ``search`` queue, which one worker process consumes with concurrency 1,
so Whoosh (one writer at a time, by file lock) never has writers racing each other. Queued on
commit: a rolled-back change queues nothing, and the worker never reads a row not yet written.
``robust=True``: a broker that is down must not turn a saved post into an error page; the
index catches up at the next change or ``rebuild_index``.
"""

import logging

from celery.signals import worker_init, worker_process_init
from django.db import transaction
from django.dispatch import receiver

from forum import signals

logger = logging.getLogger(__name__)


def queue_reindex(question_id: int | None) -> None:
    if question_id is None:
        return
    from forum.tasks import search_reindex_question

    def send_search_reindex():
        search_reindex_question.delay(question_id)

    transaction.on_commit(send_search_reindex, robust=True)


def _question_id(post) -> int | None:
    return post.pk if post.is_question else post.question_id


@receiver(signals.post_created)
@receiver(signals.post_edited)
@receiver(signals.post_deleted)
@receiver(signals.post_restored)
@receiver(signals.post_hidden)
@receiver(signals.flags_resolved)  # a hidden post shown again, or deleted
def post_changed(sender, post, **kwargs):
    queue_reindex(_question_id(post))


@receiver(signals.question_closed)
@receiver(signals.question_reopened)
@receiver(signals.question_marked_duplicate)
def question_status_changed(sender, question, **kwargs):
    queue_reindex(question.pk)


@receiver(signals.vote_changed)
def vote_changed(sender, post, **kwargs):
    # Only a question's own score is in its document (answers' scores are not searched).
    if post.is_question:
        queue_reindex(post.pk)


@receiver(signals.answer_accepted)
@receiver(signals.answer_unaccepted)
def acceptance_changed(sender, answer, **kwargs):
    queue_reindex(answer.question_id)


@worker_init.connect
@worker_process_init.connect
def load_jieba_dictionary(**kwargs) -> None:
    """Load jieba's dictionary when a Celery worker starts (about a second, once per process),
    so that the first index update does not pay for it (docs/search.md, "Speed")."""
    from .analysis import _dictionary

    _dictionary()

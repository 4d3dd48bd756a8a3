"""Keep caches honest when the data under them changes."""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import page_cache, signals
from .models import Comment, Endorsement, ModerationLog, Post, RoleAssignment
from .permissions import roles_cache_key
from .selectors import expert_ids_cache_key


@receiver([post_save, post_delete], sender=RoleAssignment)
def forget_cached_roles(sender, instance: RoleAssignment, **kwargs):
    cache.delete(roles_cache_key(instance.user_id))
    if instance.product_id:
        cache.delete(expert_ids_cache_key(instance.product_id))


#: The generation every kept search results page belongs to.
SEARCH_SCOPE = "search"


def _question_id(post: Post) -> int:
    return post.pk if post.is_question else post.question_id


@receiver([post_save, post_delete], sender=Post)
def _post_changed(sender, instance: Post, **kwargs):
    page_cache.bump(f"question:{_question_id(instance)}")


@receiver([post_save, post_delete], sender=Comment)
@receiver([post_save, post_delete], sender=ModerationLog)
def _thread_row_changed(sender, instance, **kwargs):
    page_cache.bump(f"question:{_question_id(instance.post)}")


@receiver([post_save, post_delete], sender=Endorsement)
def _endorsement_changed(sender, instance: Endorsement, **kwargs):
    page_cache.bump(f"question:{_question_id(instance.answer)}")


@receiver(signals.post_deleted)
@receiver(signals.post_restored)
@receiver(signals.post_edited)
@receiver(signals.post_hidden)
@receiver(signals.flags_resolved)
@receiver(signals.vote_changed)
def _post_event(sender, post: Post, **kwargs):
    # These write with UPDATE, which sends no post_save.
    page_cache.bump(f"question:{_question_id(post)}")


@receiver(signals.post_deleted)
@receiver(signals.post_restored)
@receiver(signals.post_edited)
@receiver(signals.post_hidden)
@receiver(signals.flags_resolved)
def _search_results_changed(sender, post: Post, **kwargs):
    # Kept results pages (forum.views_search) must never show a deleted or hidden post, nor text
    # an edit took out: retire them all (these events are rare next to searches).
    page_cache.bump(SEARCH_SCOPE)


@receiver(signals.answer_accepted)
@receiver(signals.answer_unaccepted)
def _acceptance_event(sender, answer: Post, **kwargs):
    page_cache.bump(f"question:{answer.question_id}")


@receiver(signals.question_closed)
@receiver(signals.question_reopened)
@receiver(signals.question_marked_duplicate)
def _question_event(sender, question: Post, original: Post | None = None, **kwargs):
    page_cache.bump(f"question:{question.pk}")
    if original is not None:  # the original lists its duplicates
        page_cache.bump(f"question:{original.pk}")

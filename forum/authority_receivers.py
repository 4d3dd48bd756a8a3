"""Keep the authority index in step with acceptances, endorsements, deletions, roles and new posts.

Votes are handled by ``services.vote_cast`` itself (it needs the facts it locked). Every receiver
runs inside the service's transaction, so the index and the change commit or roll back together.
"""

from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import authority_store, hooks, signals
from .models import Endorsement, Post, Role, RoleAssignment


@receiver(signals.post_created)
def freeze_author_authority(sender, post: Post, **kwargs):
    authority_store.post_created(post)


@receiver(signals.answer_accepted)
def acceptance_given(sender, answer: Post, previous: Post | None = None, **kwargs):
    question_author = Post.objects.filter(pk=answer.question_id).values_list("author_id", flat=True).get()
    if previous is not None:
        authority_store.add_to_anchor(
            previous.author_id,
            previous.product_id,
            -authority_store.acceptance_contribution(previous, previous.accepted_at, question_author),
        )
        authority_store.refresh_rank(previous.pk)
    authority_store.add_to_anchor(
        answer.author_id,
        answer.product_id,
        authority_store.acceptance_contribution(answer, answer.accepted_at, question_author),
    )
    authority_store.refresh_rank(answer.pk)


@receiver(signals.answer_unaccepted)
def acceptance_taken_back(sender, answer: Post, accepted_at=None, **kwargs):
    question_author = Post.objects.filter(pk=answer.question_id).values_list("author_id", flat=True).get()
    authority_store.add_to_anchor(
        answer.author_id,
        answer.product_id,
        -authority_store.acceptance_contribution(answer, accepted_at, question_author),
    )
    authority_store.refresh_rank(answer.pk)


def _endorsement_changed(endorsement: Endorsement, sign: int) -> None:
    answer = Post.objects.only("author_id", "product_id", "deleted_at").get(pk=endorsement.answer_id)
    Post.objects.filter(pk=answer.pk).update(endorsement_count=F("endorsement_count") + sign)
    authority_store.add_to_anchor(
        answer.author_id, answer.product_id, sign * authority_store.endorsement_contribution(endorsement, answer)
    )
    authority_store.refresh_rank(answer.pk)


@receiver(signals.answer_endorsed)
def endorsement_given(sender, endorsement: Endorsement, **kwargs):
    _endorsement_changed(endorsement, 1)


@receiver(signals.endorsement_withdrawn)
def endorsement_taken_back(sender, endorsement: Endorsement, **kwargs):
    _endorsement_changed(endorsement, -1)


@receiver(signals.post_deleted)
def post_hidden(sender, post: Post, **kwargs):
    authority_store.post_visibility_changed(post, restored=False)


@receiver(signals.post_restored)
def post_shown(sender, post: Post, **kwargs):
    authority_store.post_visibility_changed(post, restored=True)


@receiver([post_save, post_delete], sender=RoleAssignment)
def expert_role_changed(sender, instance: RoleAssignment, **kwargs):
    # The expert prior of the person's posts in that product changes with the role.
    if instance.role == Role.EXPERT and instance.product_id:
        from django.core.cache import cache

        from .selectors import expert_ids_cache_key

        cache.delete(expert_ids_cache_key(instance.product_id))
        authority_store.recompute_posts_of(instance.user_id, instance.product_id)


@hooks.register_as("authority.index")
def authority_index(user, product_id: int) -> float:
    """The 0-1000 index for the posting limits (``forum.limits``); read once per request."""
    memo = getattr(user, "_wendao_authority", None)
    if memo is None:
        memo = user._wendao_authority = {}
    if product_id not in memo:
        memo[product_id] = authority_store.authority_of(user.pk, product_id).index
    return float(memo[product_id])

"""What the product's experts do to keep a product space healthy, as keyword-only services.

Every action checks ``forum.permissions``, validates, changes rows inside ``transaction.atomic``
and writes a ``ModerationLog`` row (who, what, when, why) that the experts read in their
workspace. Actions that already exist as forum services (edit, delete, undelete, endorse) are
logged by the receivers at the bottom, so an expert's edit through the ordinary edit page is in
the log too. The API calls these same functions.

The knowledge base reads two facts from here: whether a post has open flags
(``has_open_flags`` / ``posts_with_open_flags``) and the duplicates linked to a question
(``duplicates_of``), whose titles become alternative phrasings of an article.
"""

import contextvars

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import limits, services, signals, validation
from .models import (
    Flag,
    FlagReason,
    FlagStatus,
    ModerationAction,
    ModerationLog,
    Post,
    Revision,
)
from .permissions import is_moderator_of, require

FLAG_OUTCOMES = ("delete", "keep", "decline")

# Set while ``post_rollback`` calls ``post_edit`` so the edit receiver leaves the logging to it.
_rolling_back = contextvars.ContextVar("wendao_rolling_back", default=False)


def _log(*, post: Post, actor, action: str, reason: str = "", **details) -> ModerationLog:
    return ModerationLog.objects.create(
        product_id=post.product_id, post=post, actor=actor, action=action, reason=reason[:500], details=details
    )


def _require_question(post: Post) -> None:
    if not post.is_question:
        raise ValidationError(_("Only questions can be closed, reopened or marked as duplicates."))


def _required_reason(reason: str) -> str:
    reason = validation.clean_reason(reason)
    if not reason:
        raise ValidationError(_("Please give a reason; it is shown in the moderation log."))
    return reason


# --- Flags ---------------------------------------------------------------------------------


@transaction.atomic
def post_flag(*, user, post: Post, reason: str, note: str = "") -> Flag:
    """A reader flags a post; enough open flags hide it until an expert reviews them."""
    require(user, "post.flag", post)
    if reason not in FlagReason.values:
        raise ValidationError(_("Choose why you are flagging this post."))
    note = validation.clean_reason(note)
    if reason == FlagReason.OTHER and not note:
        raise ValidationError(_("Please say what is wrong with this post."))
    # Serialise the flags on one post, so that the flag that reaches the threshold always sees it.
    post = Post.objects.select_for_update().get(pk=post.pk)
    limits.claim(user=user, action="flag", product=post.product_id)
    try:
        with transaction.atomic():
            flag = Flag.objects.create(post=post, reporter=user, reason=reason, note=note)
    except IntegrityError:
        raise ValidationError(_("You have already flagged this post; its experts will review it.")) from None
    _log(post=post, actor=user, action=ModerationAction.FLAG, reason=note, flag_reason=reason)
    signals.post_flagged.send(sender=Flag, flag=flag)
    open_flags = Flag.objects.filter(post=post, status=FlagStatus.OPEN).count()
    if open_flags >= settings.WENDAO_FLAGS_TO_HIDE and post.hidden_at is None:
        post.hidden_at = timezone.now()
        Post.objects.filter(pk=post.pk).update(hidden_at=post.hidden_at)
        _log(post=post, actor=None, action=ModerationAction.HIDE, open_flags=open_flags)
        signals.post_hidden.send(sender=Post, post=post)
    return flag


@transaction.atomic
def flag_resolve(*, moderator, post: Post, outcome: str, reason: str = "") -> int:
    """Handle every open flag on a post at once, as Discourse does.

    ``delete``: the flags were right, the post goes (soft delete, reversible).
    ``keep``: the flags were right and the expert fixed the post (edited it, say); it shows again.
    ``decline``: the flags were wrong; the post shows again.
    Returns the number of flags resolved.
    """
    require(moderator, "post.moderate", post)
    if outcome not in FLAG_OUTCOMES:
        raise ValidationError(_("Choose what to do with the flags: delete the post, keep it, or decline them."))
    reason = validation.clean_reason(reason)
    post = Post.objects.select_for_update().get(pk=post.pk)
    now = timezone.now()
    status = FlagStatus.DECLINED if outcome == "decline" else FlagStatus.HELPFUL
    resolved = Flag.objects.filter(post=post, status=FlagStatus.OPEN).update(
        status=status, resolved_at=now, resolved_by=moderator
    )
    if not resolved:
        raise ValidationError(_("This post has no open flags."))
    Post.objects.filter(pk=post.pk).update(hidden_at=None)
    post.hidden_at = None
    action = ModerationAction.FLAGS_DECLINED if outcome == "decline" else ModerationAction.FLAGS_UPHELD
    _log(post=post, actor=moderator, action=action, reason=reason, outcome=outcome, flags=resolved)
    if outcome == "delete" and not post.is_deleted:
        services.post_delete(user=moderator, post=post, reason=reason)
    signals.flags_resolved.send(sender=Post, post=post, by=moderator, outcome=outcome)
    return resolved


def has_open_flags(post: Post | int) -> bool:
    post_id = post if isinstance(post, int) else post.pk
    return Flag.objects.filter(post_id=post_id, status=FlagStatus.OPEN).exists()


def posts_with_open_flags(*, product=None) -> QuerySet[Post]:
    """Posts with at least one open flag, most flagged first, each with ``open_flags``."""
    posts = Post.objects.filter(flags__status=FlagStatus.OPEN)
    if product is not None:
        posts = posts.filter(product=product)
    return (
        posts.annotate(open_flags=Count("flags", filter=Q(flags__status=FlagStatus.OPEN), distinct=True))
        .select_related("author", "question", "product")
        .order_by("-open_flags", "pk")
    )


# --- Questions: close, reopen, duplicates ----------------------------------------------------


@transaction.atomic
def question_close(*, moderator, question: Post, reason: str) -> Post:
    _require_question(question)
    require(moderator, "post.moderate", question)
    reason = _required_reason(reason)
    now = timezone.now()
    if not Post.objects.filter(pk=question.pk, closed_at__isnull=True).update(closed_at=now, closed_reason=reason):
        raise ValidationError(_("This question is already closed."))
    question.closed_at, question.closed_reason = now, reason
    _log(post=question, actor=moderator, action=ModerationAction.CLOSE, reason=reason)
    signals.question_closed.send(sender=Post, question=question, by=moderator, reason=reason)
    return question


@transaction.atomic
def question_reopen(*, moderator, question: Post, reason: str = "") -> Post:
    """Open a closed question again; a duplicate link goes with the closing."""
    _require_question(question)
    require(moderator, "post.moderate", question)
    reason = validation.clean_reason(reason)
    question = Post.objects.select_for_update().get(pk=question.pk)
    if not question.is_closed:
        raise ValidationError(_("This question is not closed."))
    was_duplicate_of = question.duplicate_of_id
    question.closed_at, question.closed_reason, question.duplicate_of = None, "", None
    question.save(update_fields=["closed_at", "closed_reason", "duplicate_of"])
    _log(
        post=question, actor=moderator, action=ModerationAction.REOPEN, reason=reason, was_duplicate_of=was_duplicate_of
    )
    _forget_duplicates(was_duplicate_of)
    signals.question_reopened.send(sender=Post, question=question, by=moderator)
    return question


@transaction.atomic
def question_mark_duplicate(*, moderator, question: Post, original: Post, reason: str = "") -> Post:
    """Close ``question`` as a duplicate of ``original``; both pages then link to each other.

    Links stay one level deep: questions already marked as duplicates of ``question`` move to
    ``original``, and an original that is itself a duplicate is refused (link to its original).
    """
    _require_question(question)
    require(moderator, "post.moderate", question)
    reason = validation.clean_reason(reason)
    original = Post.objects.get(pk=original.pk)  # its own link may have moved since it was read
    if not original.is_question:
        raise ValidationError(_("A question can only duplicate another question."))
    if original.pk == question.pk:
        raise ValidationError(_("A question cannot be a duplicate of itself."))
    if original.product_id != question.product_id:
        raise ValidationError(_("The original question must be in the same product."))
    if original.is_deleted:
        raise ValidationError(_("The original question has been deleted."))
    if original.duplicate_of_id:
        raise ValidationError(
            _("That question is itself a duplicate of question #%(id)d; mark this one as a duplicate of that.")
            % {"id": original.duplicate_of_id}
        )
    question = Post.objects.select_for_update().get(pk=question.pk)
    if question.duplicate_of_id == original.pk:
        raise ValidationError(_("This question is already marked as a duplicate of that one."))
    previous_original = question.duplicate_of_id
    moved = list(Post.objects.filter(duplicate_of=question).values_list("pk", flat=True))
    Post.objects.filter(pk__in=moved).update(duplicate_of=original)
    question.duplicate_of = original
    question.closed_at = question.closed_at or timezone.now()
    question.closed_reason = reason or "duplicate"
    question.save(update_fields=["duplicate_of", "closed_at", "closed_reason"])
    _log(
        post=question,
        actor=moderator,
        action=ModerationAction.DUPLICATE,
        reason=reason,
        original=original.pk,
        original_title=original.title,
        moved=moved,
    )
    _forget_duplicates(original.pk, question.pk, previous_original)
    signals.question_marked_duplicate.send(sender=Post, question=question, original=original, by=moderator)
    return question


def duplicates_cache_key(question_id: int) -> str:
    return f"wendao:duplicates:{question_id}"


def linked_duplicates(question_id: int, limit: int = 20) -> list[dict]:
    """``duplicates_of`` as ``{"pk", "title", "url"}`` dicts, cached for the question page; the
    receivers below drop the entry whenever a link, a duplicate's title or its deletion changes."""
    key = duplicates_cache_key(question_id)
    rows = cache.get(key)
    if rows is None:
        rows = [
            {"pk": pk, "title": title, "url": reverse("forum:question", args=[pk])}
            for pk, title in duplicates_of(question_id).values_list("pk", "title")[:limit]
        ]
        cache.set(key, rows, 3600)
    return rows


def _forget_duplicates(*question_ids) -> None:
    """Drop the cached lists now and again after commit, so a reader between the two cannot
    keep the old list cached."""
    keys = [duplicates_cache_key(pk) for pk in question_ids if pk]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def duplicates_of(question: Post | int) -> QuerySet[Post]:
    """The questions marked as duplicates of ``question`` (the other direction of the link)."""
    question_id = question if isinstance(question, int) else question.pk
    return Post.objects.visible().filter(duplicate_of_id=question_id, kind="q").order_by("created_at", "pk")


# --- Comments and revisions -------------------------------------------------------------------


@transaction.atomic
def comments_lock(*, moderator, post: Post, reason: str) -> Post:
    require(moderator, "post.moderate", post)
    reason = _required_reason(reason)
    now = timezone.now()
    if not Post.objects.filter(pk=post.pk, comments_locked_at__isnull=True).update(comments_locked_at=now):
        raise ValidationError(_("Comments on this post are already locked."))
    post.comments_locked_at = now
    _log(post=post, actor=moderator, action=ModerationAction.LOCK, reason=reason)
    return post


@transaction.atomic
def comments_unlock(*, moderator, post: Post, reason: str = "") -> Post:
    require(moderator, "post.moderate", post)
    reason = validation.clean_reason(reason)
    if not Post.objects.filter(pk=post.pk, comments_locked_at__isnull=False).update(comments_locked_at=None):
        raise ValidationError(_("Comments on this post are not locked."))
    post.comments_locked_at = None
    _log(post=post, actor=moderator, action=ModerationAction.UNLOCK, reason=reason)
    return post


@transaction.atomic
def post_rollback(*, user, post: Post, revision: Revision, reason: str = "") -> Revision:
    """Make an earlier revision current again, as a new revision (history is never rewritten)."""
    require(user, "post.rollback", post)
    if revision.post_id != post.pk:
        raise ValidationError(_("That revision belongs to another post."))
    reason = validation.clean_reason(reason)
    latest = post.revisions.order_by("-number").values_list("number", flat=True).first()
    if revision.number == latest:
        raise ValidationError(_("This revision is already the current version."))
    summary = _("Rolled back to revision %(number)d") % {"number": revision.number}
    if reason:
        summary = f"{summary}: {reason}"
    token = _rolling_back.set(True)
    try:
        new_revision = services.post_edit(
            editor=user,
            post=post,
            body=revision.body,
            title=revision.title if post.is_question else None,
            tags=revision.tags.split() if post.is_question else None,
            reason=summary[:300],
        )
    finally:
        _rolling_back.reset(token)
    _log(
        post=post,
        actor=user,
        action=ModerationAction.ROLLBACK,
        reason=reason,
        to_revision=revision.number,
        new_revision=new_revision.number,
    )
    return new_revision


def moderation_log(*, product) -> QuerySet[ModerationLog]:
    return (
        ModerationLog.objects.filter(product=product)
        .select_related("actor", "post", "post__question")
        .order_by("-created_at", "-pk")
    )


# --- Logging what experts do through the ordinary forum services ------------------------------


def _acting_as_moderator(user, post: Post) -> bool:
    return user is not None and user.pk != post.author_id and is_moderator_of(user, post)


@receiver(signals.post_edited)
def _log_expert_edit(sender, post, revision, **kwargs):
    if not _rolling_back.get() and _acting_as_moderator(revision.author, post):
        _log(
            post=post,
            actor=revision.author,
            action=ModerationAction.EDIT,
            reason=revision.reason,
            revision=revision.number,
        )


@receiver(signals.post_deleted)
def _log_expert_delete(sender, post, by, reason="", **kwargs):
    if _acting_as_moderator(by, post):
        _log(post=post, actor=by, action=ModerationAction.DELETE, reason=reason)


@receiver(signals.post_restored)
def _log_expert_undelete(sender, post, by, reason="", **kwargs):
    if _acting_as_moderator(by, post):
        _log(post=post, actor=by, action=ModerationAction.UNDELETE, reason=reason)


@receiver(signals.answer_endorsed)
def _log_endorsement(sender, endorsement, **kwargs):
    _log(post=endorsement.answer, actor=endorsement.expert, action=ModerationAction.ENDORSE, reason=endorsement.note)


@receiver(signals.endorsement_withdrawn)
def _log_withdrawal(sender, endorsement, **kwargs):
    _log(post=endorsement.answer, actor=endorsement.expert, action=ModerationAction.UNENDORSE)


@receiver(
    [signals.post_edited, signals.post_deleted, signals.post_restored, signals.post_hidden, signals.flags_resolved]
)
def _forget_duplicates_of_original(sender, post, **kwargs):
    """A duplicate's title, deletion or hiding changes what its original's page lists."""
    if post.is_question and post.duplicate_of_id:
        _forget_duplicates(post.duplicate_of_id)

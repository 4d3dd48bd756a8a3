"""Every write the forum knows, as keyword-only functions named ``<entity>_<action>``.

Pages, the API, management commands and tests all call these, so each rule lives in one place:
permissions are checked here (``permissions.require``), input is validated here, counters move
with ``F()`` inside the same transaction as the row they count, and a signal tells the rest of
Wendao what happened.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from . import authority_store, limits, page_cache, signals, validation, view_counts
from .models import Comment, Endorsement, Post, PostKind, Product, Revision, Tag, Vote
from .permissions import require
from .rendering import RENDERER_VERSION, render_markdown


def _resolve_tags(product: Product, names: list[str]) -> list[Tag]:
    tags = {tag.name: tag for tag in Tag.objects.filter(product=product, name__in=names)}
    unknown = [name for name in names if name not in tags]
    if unknown:
        raise ValidationError(
            _("Unknown tag for %(product)s: %(tags)s.") % {"product": product.name, "tags": ", ".join(unknown)}
        )
    return [tags[name] for name in names]


def _add_revision(*, post: Post, author, reason: str, tag_names: list[str], number: int) -> Revision:
    return Revision.objects.create(
        post=post,
        number=number,
        author=author,
        title=post.title,
        body=post.body,
        tags=" ".join(tag_names),
        reason=reason,
        created_at=post.edited_at or post.created_at,
    )


@transaction.atomic
def question_ask(*, author, product: Product, title: str, body: str, tags: list[str] | str = ()) -> Post:
    require(author, "question.ask", product)
    title = validation.clean_title(title)
    body = validation.clean_body(body)
    tag_objects = _resolve_tags(product, validation.parse_tag_names(list(tags) if not isinstance(tags, str) else tags))
    limits.check_links(user=author, product=product, text=body)
    limits.claim(user=author, action="question", product=product)
    question = Post.objects.create(
        kind=PostKind.QUESTION,
        product=product,
        author=author,
        title=title,
        body=body,
        body_html=render_markdown(body),
        body_html_version=RENDERER_VERSION,
    )
    question.tags.set(tag_objects)
    _add_revision(post=question, author=author, reason="", tag_names=[t.name for t in tag_objects], number=1)
    signals.post_created.send(sender=Post, post=question)
    return question


@transaction.atomic
def answer_post(*, author, question: Post, body: str) -> Post:
    if not question.is_question:
        raise ValidationError(_("Answers belong to questions."))
    require(author, "answer.post", question)
    body = validation.clean_body(body)
    limits.check_links(user=author, product=question.product_id, text=body)
    limits.claim(user=author, action="answer", product=question.product_id)
    now = timezone.now()
    answer = Post.objects.create(
        kind=PostKind.ANSWER,
        product_id=question.product_id,
        question=question,
        author=author,
        body=body,
        body_html=render_markdown(body),
        body_html_version=RENDERER_VERSION,
        created_at=now,
        last_activity_at=now,
    )
    Post.objects.filter(pk=question.pk).update(answer_count=F("answer_count") + 1, last_activity_at=now)
    _add_revision(post=answer, author=author, reason="", tag_names=[], number=1)
    signals.post_created.send(sender=Post, post=answer)
    return answer


@transaction.atomic
def comment_add(*, author, post: Post, body: str) -> Comment:
    require(author, "comment.add", post)
    body = validation.clean_comment(body)
    limits.check_links(user=author, product=post.product_id, text=body)
    limits.claim(user=author, action="comment", product=post.product_id)
    comment = Comment.objects.create(
        post=post,
        author=author,
        body=body,
        body_html=render_markdown(body),
        body_html_version=RENDERER_VERSION,
    )
    Post.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
    return comment


def vote_cast(*, voter, post: Post, value: int) -> Vote | None:
    """Vote +1 or -1, change one's vote, or take it back with 0.

    Voting the same way twice is refused rather than ignored, so an API client learns that its
    second request did nothing. The authority index moves in the same transaction.
    """
    try:
        return _vote_cast(voter=voter, post=post, value=value)
    except IntegrityError:
        # A concurrent request from the same person inserted the vote first (unique constraint).
        raise ValidationError(_("You have already voted on this post.")) from None


@transaction.atomic
def _vote_cast(*, voter, post: Post, value: int) -> Vote | None:
    if value not in (Vote.UP, Vote.DOWN, 0):
        raise ValidationError(_("A vote is +1, -1, or 0 to take it back."))
    require(voter, "post.vote", post)
    # One query: locks the post, reads its counters, the voter's vote and the weight's inputs.
    facts = authority_store.vote_facts(voter=voter, post=post)
    old_value = facts.vote_value
    if old_value == value:
        if value == 0:
            raise ValidationError(_("You have not voted on this post."))
        raise ValidationError(_("You have already voted on this post."))
    if limits.is_new_vote(old_value=old_value, value=value):
        limits.claim(user=voter, action="vote", product=post.product_id)

    now = timezone.now()
    weight = authority_store.weigh_vote(voter=voter, post=post, facts=facts, now=now) if value else 0
    # Conditional writes: if the vote changed since it was read, nothing matches and we refuse.
    unchanged = Vote.objects.filter(pk=facts.vote_id, value=old_value, created_at=facts.vote_created_at)
    vote: Vote | None = None
    if value == 0:
        if not unchanged.delete()[0]:
            raise ValidationError(_("Your vote changed in another window; reload the page."))
    elif facts.vote_id:
        changed = unchanged.update(
            value=value, created_at=now, day=authority_store.day_of(now), weight=weight, voided_at=None, reversal=None
        )
        if not changed:
            raise ValidationError(_("Your vote changed in another window; reload the page."))
        vote = Vote(pk=facts.vote_id, post=post, voter=voter, value=value, weight=weight, created_at=now)
    else:
        vote = Vote.objects.create(
            voter=voter,
            post=post,
            value=value,
            weight=weight,
            created_at=now,
            day=authority_store.day_of(now),
            author_id=post.author_id,
            product_id=post.product_id,
        )
    old = authority_store.counted(old_value, facts.vote_weight, facts.vote_created_at, facts.vote_voided)
    new = authority_store.counted(value, weight, now, False)
    for field, field_value in authority_store.vote_applied(post=post, facts=facts, old=old, new=new).items():
        setattr(post, field, field_value)
    signals.vote_changed.send(sender=Vote, post=post, voter=voter, old_value=old_value, new_value=value)
    return vote


def _refresh_has_accepted(question_id: int) -> None:
    has = Post.objects.filter(question_id=question_id, is_accepted=True, deleted_at__isnull=True).exists()
    Post.objects.filter(pk=question_id).update(has_accepted_answer=has)


@transaction.atomic
def answer_accept(*, user, answer: Post) -> Post:
    """Accept an answer; accepting another one moves the mark (one per question, by constraint)."""
    if answer.is_question:
        raise ValidationError(_("Only answers can be accepted."))
    require(user, "answer.accept", answer)
    # Lock the question so two concurrent accepts are serialised.
    Post.objects.select_for_update().get(pk=answer.question_id)
    previous = Post.objects.filter(question_id=answer.question_id, is_accepted=True).first()
    if previous and previous.pk == answer.pk:
        raise ValidationError(_("This answer is already accepted."))
    now = timezone.now()
    if previous:
        Post.objects.filter(pk=previous.pk).update(is_accepted=False, accepted_at=None)
    Post.objects.filter(pk=answer.pk).update(is_accepted=True, accepted_at=now)
    answer.is_accepted, answer.accepted_at = True, now
    _refresh_has_accepted(answer.question_id)
    signals.answer_accepted.send(sender=Post, answer=answer, previous=previous)
    return answer


@transaction.atomic
def answer_unaccept(*, user, answer: Post) -> Post:
    require(user, "answer.accept", answer)
    # The acceptance's date tells the authority index what to take back.
    accepted_at = (
        Post.objects.select_for_update().filter(pk=answer.pk, is_accepted=True).values_list("accepted_at", flat=True)
    ).first()
    updated = Post.objects.filter(pk=answer.pk, is_accepted=True).update(is_accepted=False, accepted_at=None)
    if not updated:
        raise ValidationError(_("This answer is not accepted."))
    answer.is_accepted, answer.accepted_at = False, None
    _refresh_has_accepted(answer.question_id)
    signals.answer_unaccepted.send(sender=Post, answer=answer, accepted_at=accepted_at)
    return answer


@transaction.atomic
def post_edit(*, editor, post: Post, body: str, title: str | None = None, tags=None, reason: str = "") -> Revision:
    """Change a post's text; the previous text stays as a revision."""
    require(editor, "post.edit", post)
    body = validation.clean_body(body)
    reason = validation.clean_reason(reason)
    post = Post.objects.select_for_update().get(pk=post.pk)
    old_tags = list(post.tags.values_list("name", flat=True))
    new_title, tag_objects = post.title, None
    if post.is_question:
        if title is not None:
            new_title = validation.clean_title(title)
        if tags is not None:
            tag_objects = _resolve_tags(post.product, validation.parse_tag_names(tags))
    new_tags = [t.name for t in tag_objects] if tag_objects is not None else old_tags
    if (new_title, body, new_tags) == (post.title, post.body, old_tags):
        raise ValidationError(_("Nothing changed: edit the text before saving."))
    now = timezone.now()
    post.title, post.body, post.edited_at, post.last_activity_at = new_title, body, now, now
    post.body_html, post.body_html_version = render_markdown(body), RENDERER_VERSION
    post.save(update_fields=["title", "body", "body_html", "body_html_version", "edited_at", "last_activity_at"])
    if tag_objects is not None:
        post.tags.set(tag_objects)
    if not post.is_question:
        Post.objects.filter(pk=post.question_id).update(last_activity_at=now)
    number = (post.revisions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    revision = _add_revision(post=post, author=editor, reason=reason, tag_names=new_tags, number=number)
    signals.post_edited.send(sender=Post, post=post, revision=revision)
    return revision


@transaction.atomic
def post_delete(*, user, post: Post, reason: str = "") -> Post:
    """Soft delete: the row stays, hidden from readers; a moderator can restore it."""
    require(user, "post.delete", post)
    reason = validation.clean_reason(reason)
    updated = Post.objects.filter(pk=post.pk, deleted_at__isnull=True).update(
        deleted_at=timezone.now(), deleted_by=user
    )
    if not updated:
        raise ValidationError(_("This post is already deleted."))
    post.refresh_from_db()
    if not post.is_question:
        Post.objects.filter(pk=post.question_id).update(answer_count=F("answer_count") - 1)
        _refresh_has_accepted(post.question_id)
    signals.post_deleted.send(sender=Post, post=post, by=user, reason=reason)
    return post


@transaction.atomic
def post_undelete(*, user, post: Post, reason: str = "") -> Post:
    require(user, "post.undelete", post)
    reason = validation.clean_reason(reason)
    updated = Post.objects.filter(pk=post.pk, deleted_at__isnull=False).update(deleted_at=None, deleted_by=None)
    if not updated:
        raise ValidationError(_("This post is not deleted."))
    post.refresh_from_db()
    if not post.is_question:
        Post.objects.filter(pk=post.question_id).update(answer_count=F("answer_count") + 1)
        _refresh_has_accepted(post.question_id)
    signals.post_restored.send(sender=Post, post=post, by=user, reason=reason)
    return post


def post_rerender(*, post: Post) -> None:
    """Refresh the cached HTML after a renderer upgrade."""
    Post.objects.filter(pk=post.pk).update(body_html=render_markdown(post.body), body_html_version=RENDERER_VERSION)
    page_cache.bump(f"question:{post.pk if post.is_question else post.question_id}")


@transaction.atomic
def answer_endorse(*, expert, answer: Post, note: str = "") -> Endorsement:
    require(expert, "answer.endorse", answer)
    note = validation.clean_reason(note)
    try:
        with transaction.atomic():
            endorsement = Endorsement.objects.create(answer=answer, expert=expert, note=note)
    except IntegrityError:
        raise ValidationError(_("You have already endorsed this answer.")) from None
    signals.answer_endorsed.send(sender=Endorsement, endorsement=endorsement)
    return endorsement


@transaction.atomic
def endorsement_withdraw(*, expert, answer: Post) -> Endorsement:
    require(expert, "answer.endorse", answer)
    endorsement = (
        Endorsement.objects.select_for_update().filter(answer=answer, expert=expert, withdrawn_at__isnull=True).first()
    )
    if endorsement is None:
        raise ValidationError(_("You have not endorsed this answer."))
    endorsement.withdrawn_at = timezone.now()
    endorsement.save(update_fields=["withdrawn_at"])
    signals.endorsement_withdrawn.send(sender=Endorsement, endorsement=endorsement)
    return endorsement


_PROFILE_FIELDS = ("display_name", "bio", "preferred_language")


@transaction.atomic
def user_profile_update(*, user, **changes):
    """Change one's display name, bio or preferred language; the model's own limits apply."""
    unknown = set(changes) - set(_PROFILE_FIELDS)
    if unknown:
        raise ValidationError(_("These profile fields cannot be changed: %(fields)s.") % {"fields": ", ".join(unknown)})
    for field, value in changes.items():
        if "\x00" in value:
            raise ValidationError({field: _("This field contains a null character, which is not allowed.")})
        setattr(user, field, value.strip() if field == "display_name" else value)
    user.clean_fields(exclude=[f.name for f in user._meta.fields if f.name not in changes])
    if changes:
        user.save(update_fields=list(changes))
    return user


def question_view_count(*, question: Post) -> None:
    """Count one view of a question (the page calls it for every reader but the asker): written
    at once or with others, as ``WENDAO["VIEW_COUNT_FLUSH_SECONDS"]`` says (forum/view_counts.py)."""
    view_counts.count(question.pk)

"""Listen to the forum: promote answers to candidates, withdraw them, and send articles back
to review when their source changes. Connected in ``KnowledgeConfig.ready``; the forum never
imports this app.

Each receiver runs inside the forum service's transaction, after the authority index's own
receivers (the forum app is ready first), so ``rank_score`` is already up to date.
"""

from forum import signals
from forum.models import Post, PostKind

from . import services
from .models import Candidate, CandidateStatus, ReviewReason


def _answers_of(post: Post) -> list[Post]:
    if post.kind == PostKind.ANSWER:
        return [post]
    # A question deleted or restored takes its answers' candidacy with it.
    return list(Post.objects.filter(question_id=post.pk, kind=PostKind.ANSWER))


def on_endorsed(sender, endorsement, **kwargs):
    services.candidate_evaluate(answer=endorsement.answer)


def on_endorsement_withdrawn(sender, endorsement, **kwargs):
    services.candidate_evaluate(answer=endorsement.answer, allow_withdraw=True)


def on_accepted(sender, answer, previous=None, **kwargs):
    services.candidate_evaluate(answer=answer)


def on_unaccepted(sender, answer, **kwargs):
    services.candidate_evaluate(answer=answer, allow_withdraw=True)


def on_vote(sender, post, **kwargs):
    # Only the accepted answers can qualify by score; skip the evaluation for the rest. The flag
    # as the voter's request read it: an acceptance arriving meanwhile evaluates on its own.
    if post.kind != PostKind.ANSWER or not post.is_accepted:
        return
    # A vote can only create the answer's candidate or reopen a withdrawn one (votes never
    # withdraw one, see services.candidate_evaluate): with a candidate standing there is nothing
    # to decide, and one indexed lookup replaces the evaluation's six statements. (A candidate
    # withdrawn meanwhile is reopened by the next vote on the answer, or its next acceptance.)
    if Candidate.objects.filter(answer_id=post.pk).exclude(status=CandidateStatus.WITHDRAWN).exists():
        return
    services.candidate_evaluate(answer=post)


def on_edited(sender, post, revision=None, **kwargs):
    if post.kind == PostKind.ANSWER:
        services.article_mark_for_review(answer=post, reason=ReviewReason.SOURCE_CHANGED)


def on_deleted(sender, post, **kwargs):
    for answer in _answers_of(post):
        services.candidate_evaluate(answer=answer, allow_withdraw=True)
        services.article_mark_for_review(answer=answer, reason=ReviewReason.SOURCE_DELETED)


def on_restored(sender, post, **kwargs):
    for answer in _answers_of(post):
        services.candidate_evaluate(answer=answer)


def on_flagged(sender, flag=None, post=None, **kwargs):
    """A new open flag takes a pending candidate out of the queue until the experts decide."""
    post = post or getattr(flag, "post", None)
    if post is None:
        return
    for answer in _answers_of(post):
        candidate = Candidate.objects.filter(answer=answer, status=CandidateStatus.PENDING).first()
        if candidate is not None:
            services.candidate_evaluate(answer=answer, allow_withdraw=True)


def on_flags_resolved(sender, post=None, **kwargs):
    if post is not None:
        for answer in _answers_of(post):
            services.candidate_evaluate(answer=answer)


def connect() -> None:
    uid = "knowledge"
    signals.answer_endorsed.connect(on_endorsed, dispatch_uid=f"{uid}.endorsed")
    signals.endorsement_withdrawn.connect(on_endorsement_withdrawn, dispatch_uid=f"{uid}.withdrawn")
    signals.answer_accepted.connect(on_accepted, dispatch_uid=f"{uid}.accepted")
    signals.answer_unaccepted.connect(on_unaccepted, dispatch_uid=f"{uid}.unaccepted")
    signals.vote_changed.connect(on_vote, dispatch_uid=f"{uid}.vote")
    signals.post_edited.connect(on_edited, dispatch_uid=f"{uid}.edited")
    signals.post_deleted.connect(on_deleted, dispatch_uid=f"{uid}.deleted")
    signals.post_restored.connect(on_restored, dispatch_uid=f"{uid}.restored")
    # Flags are the experts' feature; listen only to the signals that exist.
    for name, receiver in (("post_flagged", on_flagged), ("flags_resolved", on_flags_resolved)):
        signal = getattr(signals, name, None)
        if signal is not None:
            signal.connect(receiver, dispatch_uid=f"{uid}.{name}")

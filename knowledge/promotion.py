"""When an answer becomes a knowledge-base candidate: one rule, as plain functions.

An answer qualifies when it is not deleted (nor is its question), has no open flag, and either

- an expert of its product endorses it (an active endorsement), or
- it is accepted, its authority-weighted ``rank_score`` is above ``CANDIDATE_MIN_RANK_SCORE`` and
  it has at least ``CANDIDATE_MIN_EFFECTIVE_VOTES`` effective votes (``knowledge/conf.py``).

``qualifies`` is pure (facts in, answer out) so the rule can be tested without a database;
``facts_for`` gathers the facts for one answer.
"""

from dataclasses import dataclass

from django.apps import apps

from forum.models import Endorsement, Post

from . import conf
from .models import CandidateReason


@dataclass(frozen=True)
class AnswerFacts:
    deleted: bool
    expert_endorsed: bool
    accepted: bool
    rank_score: float
    effective_votes: float
    open_flag: bool


def qualifies(facts: AnswerFacts, *, min_rank_score: float, min_effective_votes: float) -> str | None:
    """The reason the answer is a candidate (a ``CandidateReason``), or ``None``."""
    if facts.deleted or facts.open_flag:
        return None
    if facts.expert_endorsed:
        return CandidateReason.ENDORSED
    if facts.accepted and facts.rank_score > min_rank_score and facts.effective_votes >= min_effective_votes:
        return CandidateReason.ACCEPTED
    return None


def has_open_flag(post: Post) -> bool:
    """Whether a flag on the post is still open.

    Flags are the experts' feature (``forum.models.Flag``); looked up by name so this module works
    before and after it exists. A flag is open when its ``status`` is "open"/"pending", or, for
    a model without a status, while its ``resolved_at`` is empty.
    """
    try:
        flag_model = apps.get_model("forum", "Flag")
    except LookupError:
        return False
    field_names = {f.name for f in flag_model._meta.get_fields()}
    if "post" not in field_names:
        return False
    flags = flag_model.objects.filter(post_id=post.pk)
    if "status" in field_names:
        return flags.filter(status__in=["open", "pending"]).exists()
    if "resolved_at" in field_names:
        return flags.filter(resolved_at__isnull=True).exists()
    return flags.exists()


def has_expert_endorsement(answer: Post) -> bool:
    """An active endorsement by someone who is (still) an expert of the answer's product."""
    from forum.models import Role, RoleAssignment

    experts = RoleAssignment.objects.filter(role=Role.EXPERT, product_id=answer.product_id).values("user_id")
    admins = RoleAssignment.objects.filter(role=Role.ADMIN).values("user_id")
    active = Endorsement.objects.filter(answer_id=answer.pk, withdrawn_at__isnull=True)
    return active.filter(expert_id__in=experts).exists() or active.filter(expert_id__in=admins).exists()


def facts_for(answer: Post) -> AnswerFacts:
    question_deleted = answer.question_id and Post.objects.filter(pk=answer.question_id, deleted_at__isnull=False)
    return AnswerFacts(
        deleted=answer.deleted_at is not None or bool(question_deleted and question_deleted.exists()),
        expert_endorsed=has_expert_endorsement(answer),
        accepted=answer.is_accepted,
        rank_score=answer.rank_score,
        effective_votes=answer.effective_votes,
        open_flag=has_open_flag(answer),
    )


def reason_for(answer: Post) -> str | None:
    return qualifies(
        facts_for(answer),
        min_rank_score=conf.get("CANDIDATE_MIN_RANK_SCORE"),
        min_effective_votes=conf.get("CANDIDATE_MIN_EFFECTIVE_VOTES"),
    )

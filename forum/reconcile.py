"""Reconciliation: recompute every stored counter and score from the rows, report drift, fix it.

The services keep counters up to date incrementally (``F() + 1`` in the same transaction as the
row they count); this module is the independent check that they did. Definitions, the same as
the Stack Exchange importer's ``recount``:

- ``upvotes``/``downvotes``: counted votes (not voided as serial voting) of value +1 / -1;
  ``score`` = upvotes - downvotes;
- ``answer_count``: the question's answers that are not deleted;
- ``comment_count``: the post's comments that are not deleted;
- ``has_accepted_answer``: the question has an accepted answer that is not deleted;
- the authority index (``ProductAuthority`` rows and each answer's rank fields): rebuilt by
  ``forum.authority_store.recompute``, which reports how many rows it had to change.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q

from .authority_store import recompute
from .importers.stackexchange import _count
from .models import Comment, Post, Vote

COUNTERS = ("upvotes", "downvotes", "score", "answer_count", "comment_count", "has_accepted_answer")


@dataclass
class Report:
    """What was found (and, with ``fix``, corrected)."""

    posts_checked: int = 0
    drift: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    examples: list[tuple[int, str, object, object]] = field(default_factory=list)  # (post, field, stored, true)
    authority_rows: int = 0
    rank_posts: int = 0
    fixed: bool = False

    @property
    def total(self) -> int:
        return sum(self.drift.values()) + self.authority_rows + self.rank_posts


def _true_values():
    votes = Vote.objects.filter(post=OuterRef("pk"), voided_at__isnull=True)
    up, down = _count(votes.filter(value=Vote.UP)), _count(votes.filter(value=Vote.DOWN))
    return {
        "upvotes": up,
        "downvotes": down,
        "score": up - down,
        "answer_count": _count(Post.objects.filter(question=OuterRef("pk"), deleted_at__isnull=True), "question"),
        "comment_count": _count(Comment.objects.filter(post=OuterRef("pk"), deleted_at__isnull=True)),
        "has_accepted_answer": Exists(
            Post.objects.filter(question=OuterRef("pk"), is_accepted=True, deleted_at__isnull=True)
        ),
    }


def reconcile(*, fix: bool = False, product_id: int | None = None, example_limit: int = 20) -> Report:
    """Compare every post's counters with the rows; with ``fix`` write the true values.

    Without ``fix`` nothing changes: the authority recompute runs inside a transaction that is
    rolled back, so its count of changed rows is the authority drift.
    """
    report = Report(fixed=fix)
    posts = Post.objects.all() if product_id is None else Post.objects.filter(product_id=product_id)
    true = _true_values()
    annotated = posts.annotate(**{f"true_{name}": expr for name, expr in true.items()})
    differs = Q()
    for name in COUNTERS:
        differs |= ~Q(**{name: F(f"true_{name}")})
    report.posts_checked = posts.count()
    drifted = list(annotated.filter(differs).values("pk", *COUNTERS, *[f"true_{n}" for n in COUNTERS]))
    for row in drifted:
        for name in COUNTERS:
            if row[name] != row[f"true_{name}"]:
                report.drift[name] += 1
                if len(report.examples) < example_limit:
                    report.examples.append((row["pk"], name, row[name], row[f"true_{name}"]))

    with transaction.atomic():
        if fix and drifted:
            ids = [row["pk"] for row in drifted]
            for start in range(0, len(ids), 500):
                Post.objects.filter(pk__in=ids[start : start + 500]).update(**true)
        result = recompute(product_id=product_id)
        report.authority_rows, report.rank_posts = result["authorities"], result["posts"]
        if not fix:
            transaction.set_rollback(True)
    return report

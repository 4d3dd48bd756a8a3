"""Publish a few knowledge-base articles in every demo product, so a newcomer sees the whole path
at once: a question, its endorsed answer, the article made from it, and the bot answering from it.

Called at the end of ``manage.py seed_demo``. Idempotent: a product that already has articles is
left alone, so running it twice (or after the demo was loaded earlier) changes nothing.
"""

from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from forum.models import Post, PostKind, Product, Role, RoleAssignment, User

from . import services
from .models import Article, Candidate, CandidateReason, CandidateStatus

ARTICLES_PER_PRODUCT = 3


def _editor() -> User | None:
    assignment = (
        RoleAssignment.objects.filter(role=Role.KNOWLEDGE_EDITOR, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if assignment:
        return assignment.user
    return User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


def _best_answers(product: Product, limit: int) -> list[Post]:
    """Endorsed answers first, then accepted ones, then the best ranked; one per question."""
    answers = (
        Post.objects.filter(product=product, kind=PostKind.ANSWER, deleted_at__isnull=True, question__deleted_at=None)
        .annotate(endorsements_active=Count("endorsements", filter=Q(endorsements__withdrawn_at__isnull=True)))
        .select_related("question")
        .order_by("-endorsements_active", "-is_accepted", "-rank_score", "-score", "pk")
    )
    chosen, questions = [], set()
    for answer in answers[: limit * 20]:
        if answer.question_id in questions or len(answer.body) < 10:
            continue
        questions.add(answer.question_id)
        chosen.append(answer)
        if len(chosen) == limit:
            break
    return chosen


def _candidate_for(answer: Post) -> Candidate:
    candidate = services.candidate_evaluate(answer=answer)
    if candidate is None:
        # The demo's best answer may not have been endorsed; the knowledge team can still pick it.
        candidate, _created = Candidate.objects.get_or_create(
            answer=answer,
            defaults={
                "product_id": answer.product_id,
                "reason": CandidateReason.ACCEPTED if answer.is_accepted else CandidateReason.ENDORSED,
            },
        )
    return candidate


def publish_demo_articles(*, per_product: int = ARTICLES_PER_PRODUCT, stdout=None) -> int:
    editor = _editor()
    if editor is None:
        return 0
    published = 0
    for product in Product.objects.order_by("pk"):
        if Article.objects.filter(product=product).exists():
            continue
        for answer in _best_answers(product, per_product):
            candidate = _candidate_for(answer)
            if candidate.status != CandidateStatus.PENDING:
                continue
            question = answer.question
            duplicates = list(Post.objects.filter(duplicate_of=question).values_list("title", flat=True)[:10])
            try:
                services.article_publish(
                    editor=editor,
                    candidate=candidate,
                    title=question.title[:200],
                    alt_questions=duplicates,
                    answer_markdown=answer.body,
                    tags=[t.name for t in question.tags.all()][:5],
                    locale=product.language,
                    note="demo",
                )
            except ValidationError:
                # Imported content may break a limit (a very long answer, an odd tag): skip it.
                continue
            published += 1
    if stdout is not None and published:
        stdout.write(f"Published {published} knowledge-base articles from the demo's best answers.")
    return published

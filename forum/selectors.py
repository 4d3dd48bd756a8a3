"""Every read a page or the API needs, shaped so that a page costs a fixed number of queries."""

from django.core.cache import cache
from django.db.models import Count, Prefetch, Q, QuerySet

from . import authority_store
from .models import Comment, Post, PostKind, Product, Question, Role, RoleAssignment, Tag, Vote

QUESTION_SORTS = {
    "active": ("-last_activity_at", "-pk"),
    "newest": ("-created_at", "-pk"),
    "votes": ("-score", "-created_at", "-pk"),
    "unanswered": ("-created_at", "-pk"),
}


def products_with_counts() -> QuerySet[Product]:
    return Product.objects.annotate(
        question_count=Count("posts", filter=Q(posts__kind=PostKind.QUESTION, posts__deleted_at__isnull=True)),
    ).order_by("name")


def question_list(*, product: Product | None = None, sort: str = "active", tag: str | None = None) -> QuerySet[Post]:
    questions = (
        Question.objects.visible()
        .select_related("author", "product")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    )
    if product is not None:
        questions = questions.filter(product=product)
    if tag:
        questions = questions.filter(tags__name=tag)
    if sort == "unanswered":
        questions = questions.filter(answer_count=0)
    return questions.order_by(*QUESTION_SORTS.get(sort, QUESTION_SORTS["active"]))


def expert_ids(product_id: int) -> frozenset[int]:
    """The ids of the product's experts, cached because every page with posts shows the badge.

    ``forum.receivers`` drops the cache entry whenever a role assignment changes.
    """
    key = expert_ids_cache_key(product_id)
    ids = cache.get(key)
    if ids is None:
        ids = frozenset(
            RoleAssignment.objects.filter(role=Role.EXPERT, product_id=product_id).values_list("user_id", flat=True)
        )
        cache.set(key, ids, 3600)
    return ids


def expert_ids_cache_key(product_id: int) -> str:
    return f"wendao:experts:{product_id}"


def question_with_tags(question_id: int) -> Post:
    return (
        Question.objects.select_related("product", "author", "duplicate_of")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .annotate(author_anchor=authority_store.author_anchor())
        .get(pk=question_id)
    )


def question_thread(*, question: Post, user, include_deleted: bool = False) -> tuple[list[Post], dict[int, int]]:
    """The question's answers (best first) with everyone's comments, and the user's own votes.

    Three queries whatever the number of answers: answers (+ authors), comments (+ authors),
    and the signed-in user's votes.
    """
    # The authors' authority and each answer's first endorsement ride along as annotations, so
    # the authority index costs the page no extra query (forum/authority_store.py).
    answers_qs = (
        Post.objects.filter(question_id=question.pk)
        .select_related("author")
        .annotate(**authority_store.answer_annotations(question.product_id))
    )
    if not include_deleted:
        answers_qs = answers_qs.filter(deleted_at__isnull=True)
    # Ordered by the authority-weighted rank score (forum/authority.py), which already includes
    # the asker's acceptance and experts' endorsements as visible boosts.
    answers = list(answers_qs.order_by("-rank_score", "created_at", "pk"))
    by_post: dict[int, list[Comment]] = {question.pk: []} | {a.pk: [] for a in answers}
    comments = (
        Comment.objects.filter(deleted_at__isnull=True, post_id__in=by_post)
        .select_related("author")
        .annotate(author_anchor=authority_store.author_anchor(question.product_id))
    )
    for comment in comments:
        by_post[comment.post_id].append(comment)
    question.comment_list = by_post[question.pk]
    for answer in answers:
        answer.comment_list = by_post[answer.pk]
    my_votes: dict[int, int] = {}
    if user.is_authenticated:
        my_votes = dict(Vote.objects.filter(voter=user, post_id__in=by_post).values_list("post_id", "value"))
    return answers, my_votes


def user_profile_stats(user) -> dict:
    posts = Post.objects.visible().filter(author=user)
    return posts.aggregate(
        questions=Count("pk", filter=Q(kind=PostKind.QUESTION), distinct=True),
        answers=Count("pk", filter=Q(kind=PostKind.ANSWER), distinct=True),
        accepted=Count("pk", filter=Q(kind=PostKind.ANSWER, is_accepted=True), distinct=True),
        upvotes=Count("votes", filter=Q(votes__value=Vote.UP), distinct=True),
        downvotes=Count("votes", filter=Q(votes__value=Vote.DOWN), distinct=True),
    )

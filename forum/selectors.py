"""Every read a page or the API needs, shaped so that a page costs a fixed number of queries."""

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet

from . import thread_reads
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


def question_with_tags(question_id: int, *, voter=None) -> Post:
    """The question with its product, author, authority anchor, ``tag_list`` (by name), the
    title of the question it duplicates (``duplicate_title``) and, when ``voter`` is a signed-in
    user, their vote (``my_vote``). Two queries (``forum/thread_reads.py`` says why in SQL)."""
    voter_id = voter.pk if voter is not None and voter.is_authenticated else None
    question = thread_reads.question(question_id, voter_id=voter_id)
    question.read_for_voter = voter_id
    question.tag_list = thread_reads.tags(question.pk)
    return question


# Ordered by the authority-weighted rank score (forum/authority.py), which already includes the
# asker's acceptance and experts' endorsements as visible boosts.
ANSWER_ORDER = ("-rank_score", "created_at", "pk")


def answers_per_page() -> int:
    """Answers on one question page (30, as Stack Overflow shows): past that a page grows to
    hundreds of kilobytes and its rendering time with it (docs/benchmarks.md)."""
    return settings.WENDAO.get("ANSWERS_PER_PAGE", 30)


#: No question has this many answers; the bound keeps "all answers" a LIMIT like any page.
MAX_ANSWERS = 10**9


def question_thread(
    *, question: Post, user, include_deleted: bool = False, page: int | None = None
) -> tuple[list[Post], dict[int, int]]:
    """The question's answers (best first) with everyone's comments, and the user's own votes.

    Two queries whatever the number of answers: answers (with their authors, authority and the
    reader's votes) and comments (with theirs), in plain SQL (``forum/thread_reads.py``). With
    ``page`` only that page of answers is read and ``question.answer_page`` is set (a
    ``Page``); the total comes with the rows, so paging costs no extra query.
    """
    voter_id = user.pk if user.is_authenticated else None
    per_page = answers_per_page() if page is not None else None
    if page is None:
        answers = thread_reads.answers(
            question, voter_id=voter_id, include_deleted=include_deleted, limit=MAX_ANSWERS, offset=0
        )
    else:
        answers, question.answer_page = _answer_page(question, voter_id, include_deleted, page, per_page)
    by_post: dict[int, list[Comment]] = {question.pk: []} | {a.pk: [] for a in answers}
    for comment in thread_reads.comments(list(by_post), product_id=question.product_id):
        by_post[comment.post_id].append(comment)
    question.comment_list = by_post[question.pk]
    for answer in answers:
        answer.comment_list = by_post[answer.pk]
    my_votes: dict[int, int] = {}
    if voter_id is not None:
        my_votes = {a.pk: a.my_vote for a in answers if a.my_vote is not None}
        if getattr(question, "read_for_voter", None) == voter_id:
            question_vote = question.my_vote
        else:  # the question was read for someone else (or without a reader): ask
            question_vote = (
                Vote.objects.filter(voter_id=voter_id, post_id=question.pk).values_list("value", flat=True).first()
            )
        if question_vote is not None:
            my_votes[question.pk] = question_vote
    return answers, my_votes


def _answer_page(
    question: Post, voter_id, include_deleted: bool, number: int, per_page: int
) -> tuple[list[Post], Page]:
    """One page of the question's answers; past the last page, the last page (as the product
    list does)."""
    number = max(1, number)

    def rows(number: int) -> list[Post]:
        return thread_reads.answers(
            question, voter_id=voter_id, include_deleted=include_deleted, limit=per_page, offset=(number - 1) * per_page
        )

    answers = rows(number)
    if answers or number == 1:
        count = answers[0].answers_total if answers else 0
    else:
        visible = Post.objects.filter(question_id=question.pk)
        if not include_deleted:
            visible = visible.filter(deleted_at__isnull=True)
        count = visible.count()
        number = max(1, -(-count // per_page))
        answers = rows(number)
    return answers, Paginator(range(count), per_page, allow_empty_first_page=True).page(number)


def answer_page_number(*, question: Post, answer_id: int, include_deleted: bool = False) -> int | None:
    """Which page of the question shows this answer (``None`` if it is not one of its answers)."""
    answers = Post.objects.filter(question_id=question.pk)
    if not include_deleted:
        answers = answers.filter(deleted_at__isnull=True)
    # The ids alone, in page order: a few bytes per answer, and only on this redirect.
    ids = list(answers.order_by(*ANSWER_ORDER).values_list("pk", flat=True))
    position = ids.index(answer_id) + 1 if answer_id in ids else None
    return None if position is None else (position - 1) // answers_per_page() + 1


def user_profile_stats(user) -> dict:
    posts = Post.objects.visible().filter(author=user)
    return posts.aggregate(
        questions=Count("pk", filter=Q(kind=PostKind.QUESTION), distinct=True),
        answers=Count("pk", filter=Q(kind=PostKind.ANSWER), distinct=True),
        accepted=Count("pk", filter=Q(kind=PostKind.ANSWER, is_accepted=True), distinct=True),
        upvotes=Count("votes", filter=Q(votes__value=Vote.UP), distinct=True),
        downvotes=Count("votes", filter=Q(votes__value=Vote.DOWN), distinct=True),
    )

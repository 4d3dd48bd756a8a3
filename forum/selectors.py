"""Every read a page or the API needs, shaped so that a page costs a fixed number of queries."""

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Prefetch, Q, QuerySet, Subquery

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
    """The question with its product, author, authority anchor and ``tag_list`` (by name), and
    the title of the question it duplicates (``duplicate_title``). Two queries: a prefetch or a
    join to a second post row cost more to build than they save for one row."""
    question = (
        Question.objects.select_related("product", "author")
        .annotate(author_anchor=authority_store.author_anchor(), duplicate_title=F("duplicate_of__title"))
        .get(pk=question_id)
    )
    question.tag_list = list(question.tags.order_by("name"))
    return question


# Ordered by the authority-weighted rank score (forum/authority.py), which already includes the
# asker's acceptance and experts' endorsements as visible boosts.
ANSWER_ORDER = ("-rank_score", "created_at", "pk")


def answers_per_page() -> int:
    """Answers on one question page (30, as Stack Overflow shows): past that a page grows to
    hundreds of kilobytes and its rendering time with it (docs/benchmarks.md)."""
    return settings.WENDAO.get("ANSWERS_PER_PAGE", 30)


def question_thread(
    *, question: Post, user, include_deleted: bool = False, page: int | None = None
) -> tuple[list[Post], dict[int, int]]:
    """The question's answers (best first) with everyone's comments, and the user's own votes.

    Three queries whatever the number of answers: answers (+ authors), comments (+ authors),
    and the signed-in user's votes. With ``page`` only that page of answers is read and
    ``question.answer_page`` is set (a ``Page``); the total comes with the answers as a scalar
    subquery, so paging costs no extra query.
    """
    visible = Post.objects.filter(question_id=question.pk)
    if not include_deleted:
        visible = visible.filter(deleted_at__isnull=True)
    # The authors' authority and each answer's first endorsement ride along as annotations, so
    # the authority index costs the page no extra query (forum/authority_store.py).
    answers_qs = (
        visible.select_related("author")
        .annotate(**authority_store.answer_annotations(question.product_id))
        .order_by(*ANSWER_ORDER)
    )
    if page is None:
        answers = list(answers_qs)
    else:
        answers, question.answer_page = _answer_page(question, visible, answers_qs, page)
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


def _answer_page(
    question: Post, visible: QuerySet[Post], answers_qs: QuerySet[Post], number: int
) -> tuple[list[Post], Page]:
    """One page of ``answers_qs``. The page's ids are picked in a subquery first, so the
    annotations (correlated subqueries) are computed for this page's rows only, not for all.

    Most questions have fewer answers than a page holds: then all of them are read in a plain
    query (cheaper to build than the two subqueries). The stored ``answer_count`` only chooses
    the way; the rows read decide, so a count that is off can cost a query, never a wrong page.
    """
    per_page = answers_per_page()
    if number <= 1 and question.answer_count < per_page:
        answers = list(answers_qs[: per_page + 1])
        if len(answers) <= per_page:
            return answers, Paginator(answers, per_page, allow_empty_first_page=True).page(1)
    total = visible.order_by().values("question_id").annotate(n=Count("pk")).values("n")

    def rows(number: int) -> list[Post]:
        ids = visible.order_by(*ANSWER_ORDER).values("pk")[(number - 1) * per_page : number * per_page]
        return list(answers_qs.filter(pk__in=ids).annotate(answers_total=Subquery(total)))

    number = max(1, number)
    answers = rows(number)
    if answers or number == 1:
        count = answers[0].answers_total if answers else 0
    else:  # past the last page: show the last page, as the product list does
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

"""Reads the API needs beyond ``forum.selectors``, each a fixed number of queries."""

from types import SimpleNamespace

from django.db.models import Count, Q

from forum import authority_store, notifications
from forum.models import Comment, Endorsement, Flag, Post, PostKind, Question, Tag, Vote
from forum.selectors import ANSWER_ORDER

# What a question list row shows: no body, and of the author and product only their names.
QUESTION_ROW_FIELDS = (
    "id",
    "kind",
    "title",
    "product_id",
    "product__slug",
    "author_id",
    "author__username",
    "author__display_name",
    "score",
    "answer_count",
    "comment_count",
    "view_count",
    "has_accepted_answer",
    "closed_at",
    "deleted_at",
    "created_at",
    "last_activity_at",
)


def question_rows():
    """Visible questions for list pages, with only the columns a row shows.

    Tags are not prefetched here: ``attach_tag_names`` reads them for one page in one query,
    which costs a fraction of Django's prefetch machinery for a page of 50.
    """
    return Question.objects.visible().select_related("author", "product").only(*QUESTION_ROW_FIELDS)


def attach_tag_names(questions: list[Post]) -> None:
    names: dict[int, list[str]] = {q.pk: [] for q in questions}
    if names:
        rows = Post.tags.through.objects.filter(post_id__in=names).values_list("post_id", "tag__name")
        for post_id, name in rows.order_by("tag__name"):
            names[post_id].append(name)
    for question in questions:
        question.tag_names = names[question.pk]


def attach_endorsements(answers: list[Post]) -> None:
    """Set ``endorsement_list`` (active endorsements, oldest first) on each answer: one query."""
    by_answer: dict[int, list[Endorsement]] = {answer.pk: [] for answer in answers}
    if by_answer:
        endorsements = Endorsement.objects.filter(answer_id__in=by_answer, withdrawn_at__isnull=True)
        endorsements = endorsements.select_related("expert").only(
            "answer_id", "note", "created_at", "expert__id", "expert__username", "expert__display_name"
        )
        for endorsement in endorsements.order_by("created_at", "pk"):
            by_answer[endorsement.answer_id].append(endorsement)
    for answer in answers:
        answer.endorsement_list = by_answer[answer.pk]


def answer_detail(*, pk: int, user) -> tuple[Post, dict[int, int]]:
    """One answer with its question, comments, endorsements and the user's vote (five queries)."""
    answer = Post.objects.select_related("author", "question", "product").get(pk=pk, kind=PostKind.ANSWER)
    answer.comment_list = list(
        Comment.objects.filter(post_id=answer.pk, deleted_at__isnull=True).select_related("author")
    )
    attach_endorsements([answer])
    my_votes = {}
    if user.is_authenticated:
        my_votes = dict(Vote.objects.filter(voter=user, post_id=answer.pk).values_list("post_id", "value"))
    return answer, my_votes


def post_for_action(pk: int) -> Post:
    """A post with what the permission rules read (its question, for acceptance) in one query."""
    return Post.objects.select_related("question", "product").get(pk=pk)


def product_tags(product):
    return Tag.objects.filter(product=product).annotate(
        question_count=Count("posts", filter=Q(posts__deleted_at__isnull=True))
    )


def post_comments(post: Post):
    return Comment.objects.filter(post=post, deleted_at__isnull=True).select_related("author")


def post_revisions(post: Post):
    return post.revisions.select_related("author")


def product_flags(product, *, status: str):
    """A product's flags with a given status, with what a queue row shows (one query)."""
    return Flag.objects.filter(post__product=product, status=status).select_related(
        "post", "post__question", "reporter", "resolved_by"
    )


def notification_list(user, *, unread: bool | None = None):
    found = notifications.inbox(user)
    if unread is not None:
        found = found.filter(read_at__isnull=unread)
    return found


# Of an author, a post or a comment shows only the name; loading whole user rows for 50 answers
# and their comments was most of the question's cost.
AUTHOR_FIELDS = ("author__id", "author__username", "author__display_name")
ANSWER_FIELDS = tuple(f.name for f in Post._meta.concrete_fields if f.name not in ("body_html_version",))


def question_thread(*, question: Post, user, include_deleted: bool = False) -> tuple[list[Post], dict[int, int]]:
    """``forum.selectors.question_thread`` for the API: the same answers in the same order
    (``ANSWER_ORDER``) with the authors' authority, but lighter rows: answers carry only their
    authors' names, comments are plain rows instead of model instances, and each answer's active
    endorsements (``endorsement_list``) come from one query.
    ``tests/api/test_endpoints.py`` checks that both give the same answers in the same order.
    """
    answers_qs = (
        Post.objects.filter(question_id=question.pk)
        .select_related("author")
        .only(*ANSWER_FIELDS, *AUTHOR_FIELDS)
        # The authors' authority as the page reads it; endorsements come from one plain query
        # below instead of the page's five correlated subqueries (cheaper to build and run).
        .annotate(author_anchor=authority_store.author_anchor(question.product_id))
    )
    if not include_deleted:
        answers_qs = answers_qs.filter(deleted_at__isnull=True)
    answers = list(answers_qs.order_by(*ANSWER_ORDER))
    by_post: dict[int, list] = {question.pk: []} | {a.pk: [] for a in answers}
    rows = (
        Comment.objects.filter(deleted_at__isnull=True, post_id__in=by_post)
        .order_by("created_at", "pk")
        .values("id", "post_id", "body", "body_html", "created_at", "author_id", *AUTHOR_FIELDS[1:])
        .annotate(author_anchor=authority_store.author_anchor(question.product_id))
    )
    for row in rows:
        by_post[row["post_id"]].append(_comment(row))
    question.comment_list = by_post[question.pk]
    for answer in answers:
        answer.comment_list = by_post[answer.pk]
    attach_endorsements(answers)
    my_votes: dict[int, int] = {}
    if user.is_authenticated:
        my_votes = dict(Vote.objects.filter(voter=user, post_id__in=by_post).values_list("post_id", "value"))
    return answers, my_votes


def _comment(row: dict) -> SimpleNamespace:
    author = SimpleNamespace(
        pk=row["author_id"], username=row["author__username"], display_name=row["author__display_name"]
    )
    return SimpleNamespace(
        pk=row["id"],
        post_id=row["post_id"],
        body=row["body"],
        body_html=row["body_html"],
        created_at=row["created_at"],
        author_id=row["author_id"],
        author_anchor=row["author_anchor"],
        author=author,
    )

"""Reads the API needs beyond ``forum.selectors``, each a fixed number of queries."""

from django.db.models import Count, Q

from forum.models import Comment, Endorsement, Post, PostKind, Question, Tag, Vote

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
        for endorsement in endorsements.select_related("expert").order_by("created_at", "pk"):
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

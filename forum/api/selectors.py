"""Reads the API needs beyond ``forum.selectors``, each a fixed number of queries."""

from django.db.models import Count, Q

from forum.models import Comment, Endorsement, Post, PostKind, Tag, Vote


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

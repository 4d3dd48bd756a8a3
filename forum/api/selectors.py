"""Reads the API needs beyond ``forum.selectors``, each a fixed number of queries."""

import copy

from django.db import connection
from django.db.models import Count, Q

from forum import notifications, thread_cache, thread_reads
from forum.models import (
    Comment,
    Flag,
    Post,
    PostKind,
    Question,
    Tag,
    Vote,
)

# What a question list row shows: no body, of the author only the names, of the product its slug.
QUESTION_ROW_FIELDS = (
    "id",
    "title",
    "product_id",
    "author_id",
    "score",
    "answer_count",
    "comment_count",
    "view_count",
    "has_accepted_answer",
    "closed_at",
    "created_at",
    "last_activity_at",
)


#: A list row (``question_rows``, ``question_list.Rows``): those fields, the product's slug, the author's names.
QUESTION_ROW_COLUMNS = (*QUESTION_ROW_FIELDS, "product__slug", "author__username", "author__display_name")


def question_rows():
    """Visible questions for list pages as plain rows (tuples of ``QUESTION_ROW_COLUMNS``).

    Rows, not model instances: building a Question and a User for each of 50 rows cost as much as
    the rest of the page. The API's list reads them in plain SQL (``forum/api/question_list.py``,
    which also shapes them); this queryset serves the cursor positions it hands to the ORM.
    """
    return Question.objects.visible().values_list(*QUESTION_ROW_COLUMNS)


def tag_names_of(question_ids: list[int]) -> dict[int, list[str]]:
    """Each question's tag names, sorted: one query for a page, in plain SQL because building it
    through the ORM cost several times what the database spends answering it."""
    names: dict[int, list[str]] = {pk: [] for pk in question_ids}
    if names:
        with connection.cursor() as cursor:
            cursor.execute(_tag_names_sql(len(names)), list(names))
            for post_id, name in cursor.fetchall():
                names[post_id].append(name)
    return names


def attach_tag_names(questions: list[Post]) -> None:
    """Set ``tag_names`` (sorted) on each question (``tag_names_of``)."""
    names = tag_names_of([q.pk for q in questions])
    for question in questions:
        question.tag_names = names[question.pk]


def _tag_names_sql(count: int) -> str:
    through = Post.tags.through._meta
    post, tag = through.get_field("post").column, through.get_field("tag").column
    return (
        f"SELECT pt.{post}, t.name FROM {through.db_table} pt INNER JOIN {Tag._meta.db_table} t ON t.id = pt.{tag}"
        f" WHERE pt.{post} IN ({', '.join(['%s'] * count)}) ORDER BY t.name"
    )


def attach_endorsements(answers: list[Post]) -> None:
    """Set ``endorsement_list`` (active endorsements, oldest first, as plain rows with the
    expert's names: ``thread_reads.endorsements``, the page's read) on each answer: one query."""
    by_answer = thread_reads.endorsements([answer.pk for answer in answers])
    for answer in answers:
        answer.endorsement_list = by_answer.get(answer.pk, [])


def answer_detail(*, pk: int, user, new: bool = False) -> tuple[Post, dict[int, int]]:
    """One answer with its question, comments, endorsements and the user's vote (four queries;
    one for a ``new`` answer, which has none of those yet)."""
    answer = Post.objects.select_related("author", "question", "product").get(pk=pk, kind=PostKind.ANSWER)
    if new:
        answer.comment_list, answer.endorsement_list = [], []
        return answer, {}
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


def post_for_vote(pk: int) -> Post:
    """A post as a vote needs it: no texts (a vote reads counters, author, product and state)."""
    return Post.objects.defer("title", "body", "body_html").get(pk=pk)


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


def question_and_answers(*, question_id: int, user) -> tuple[Post, list[Post], dict[int, int], dict | None]:
    """The question and all its answers (deleted ones too, for moderators), best first, with what
    a thread shows of them (``thread_reads.question_and_answers`` and ``attach_thread``), kept
    in the process under the question's generation like the page's thread
    (``forum/thread_cache.py``): copies of the kept posts, the signed-in reader's own votes, and
    the memo kept with the thread (for ``authority_store.thread_context``). Raises
    ``Post.DoesNotExist`` when ``question_id`` is not a question.
    ``forum.api.views.question_payload`` drops deleted answers for readers who may not see them.
    """
    (question, answers), memo = thread_cache.kept_read(question_id, "api", lambda: _whole_thread(question_id))
    question, answers = copy.copy(question), [copy.copy(answer) for answer in answers]
    my_votes = thread_cache.votes_of(user, [question.pk, *(answer.pk for answer in answers)])
    return question, answers, my_votes, memo


def _whole_thread(question_id: int) -> tuple[Post, list[Post]]:
    question, answers = thread_reads.question_and_answers(question_id, voter_id=None)
    # The acceptance rule reads the asker: no query per answer. Cached on each answer directly
    # (its question_id is the question's already): assigning through the descriptor re-checks
    # the instance's class and database for each of 50 answers.
    question_field = Post._meta.get_field("question")
    for answer in answers:
        question_field.set_cached_value(answer, question)
    attach_thread(question=question, answers=answers)
    return question, answers


def attach_thread(*, question: Post, answers: list[Post]) -> None:
    """The rest of a question's thread, as ``forum.selectors.question_thread`` reads it for the
    page but lighter: comments as plain rows (``comment_list``, ``thread_reads.comments``, the
    page's own plain read), the question's tag names (``tag_names``) and the answers' active
    endorsements (``endorsement_list``), one query each, the endorsements' only when an answer has
    some. ``tests/api/test_endpoints.py`` checks that
    the API and the page show the same answers, comments and endorsements in the same order.
    """
    by_post: dict[int, list] = {question.pk: []} | {a.pk: [] for a in answers}
    for comment in thread_reads.comments(list(by_post), product_id=question.product_id):
        by_post[comment.post_id].append(comment)
    question.comment_list = by_post[question.pk]
    for answer in answers:
        answer.comment_list = by_post[answer.pk]
    attach_tag_names([question])
    endorsed = [a for a in answers if a.endorsement_count > 0]
    for answer in answers:
        answer.endorsement_list = []
    attach_endorsements(endorsed)

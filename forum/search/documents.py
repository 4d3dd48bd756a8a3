"""The search document of a question, as plain data: one function the index, the rebuild and
the duplicate evaluation all use, so what is searched is the same everywhere."""

import html
import re

from django.db.models import Prefetch, QuerySet
from django.utils.html import strip_tags

from forum.models import Post, PostKind, Tag


def plain_text(body_html: str) -> str:
    """The words of a post as a reader sees them: the sanitised HTML without its tags."""
    # A space for each tag keeps words of adjacent blocks apart ("<li>a</li><li>b</li>").
    return re.sub(r"\s+", " ", html.unescape(strip_tags(body_html.replace("<", " <")))).strip()


def questions_for_index() -> QuerySet[Post]:
    """Visible questions with what their document needs, in three queries per batch."""
    # visible(): neither deleted nor hidden (flagged, pending an expert's review).
    visible_answers = Post.objects.visible().only("pk", "question_id", "body_html", "body")
    # Post, not the Question proxy: the index's ids must read "forum.post.<pk>", as removals do.
    return (
        Post.objects.visible()
        .filter(kind=PostKind.QUESTION)
        .prefetch_related(
            Prefetch("tags", queryset=Tag.objects.order_by("name")),
            Prefetch("answers", queryset=visible_answers, to_attr="visible_answers"),
        )
        .order_by("pk")
    )


def status_of(*, answer_count: int, has_accepted: bool, closed: bool) -> list[str]:
    status = ["answered"] if answer_count else ["unanswered"]
    if has_accepted:
        status.append("accepted")
    if closed:
        status.append("closed")
    return status


def build_document(*, title: str, body: str, tags: list[str], answers: list[str]) -> dict:
    """The text fields of a question's document from its parts (plain text, not HTML)."""
    tag_text = " ".join(tags)
    answers_text = "\n\n".join(answers)
    return {
        "text": "\n\n".join(part for part in (title, tag_text, body, answers_text) if part),
        # Tags are short and say what the question is about, as a title does.
        "title": f"{title} {tag_text}".strip(),
        "title_bigrams": title,
        "tags": tags,
    }


def question_document(question: Post) -> dict:
    answers = getattr(question, "visible_answers", None)
    if answers is None:
        answers = list(question.answers.visible().only("body_html", "body"))
    tags = [tag.name for tag in question.tags.all()]
    document = build_document(
        title=question.title,
        body=plain_text(question.body_html) if question.body_html else question.body,
        tags=tags,
        answers=[plain_text(a.body_html) if a.body_html else a.body for a in answers],
    )
    document["status"] = status_of(
        answer_count=len(answers), has_accepted=question.has_accepted_answer, closed=question.is_closed
    )
    return document

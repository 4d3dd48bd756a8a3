"""A question page's thread, read once per change and kept in each web process, for every reader.

Reading a thread (the question with its tags, a page of answers, every comment, the
endorsements) is five statements and, with 30 answers shown, about 6 ms of CPU turning rows into
objects. Signed-in readers cannot be given a kept page (their votes, their actions, their
name are on it), but the thread under their page is the same for all of them. So each process
keeps what it read under the question's *generation* (``forum/page_cache.py``), which every
write to the thread replaces: an answer, an edit, a vote, a comment, an acceptance, an
endorsement, a moderator's action. A page asks for the current generation (one cache round
trip) and reads the rows again only when it changed. What each reader brings is read for them:
their own votes on the posts shown (one small query) and everything ``permissions`` decides.

What may be older, as on the kept pages of anonymous readers: what a page shows of the world
outside its thread (an author's name or authority changed elsewhere, a product expert's badge,
the view count), at most ``WENDAO["THREAD_SECONDS"]`` (60 s by default; 0 reads every time).

Kept objects are never handed out: each request gets its own shallow copies of the posts, so
what a view sets on them for one reader (their vote, the HTML made for them) stays with that
request. The comments, tags and authors the copies point to are shared and only ever read.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Page

from . import page_cache, thread_reads
from .local_lru import LocalLRU
from .models import Post


def seconds() -> int:
    return settings.WENDAO.get("THREAD_SECONDS", 60)


@dataclass
class _Thread:
    """One page of the question's thread, as every reader's page starts from it."""

    question_comments: list
    answers: list[Post]
    answer_page: Page | None
    #: Computed once per kept thread by whoever needs them first (forum/fragments.py).
    memo: dict = field(default_factory=dict)


#: Questions and pages of their threads: 20 KiB a question on the cardano site (tracemalloc, 300
#: questions), 300 KiB for a page of 30 answers with 3 comments each.
kept = LocalLRU(settings.WENDAO.get("LOCAL_THREADS", 1000), max_age=seconds)


def question(question_id: int, *, voter) -> Post:
    """The question with its product, author, authority anchor, ``tag_list`` and
    ``duplicate_title`` (``selectors.question_with_tags``), kept under its generation. Raises
    ``Post.DoesNotExist`` if it is not a question. The copy carries ``thread_generation`` for
    ``page()``."""
    from . import selectors

    if seconds() <= 0:
        return selectors.question_with_tags(question_id, voter=voter)
    # The generation first, then the rows: a write that lands in between replaces the generation,
    # so rows read before it can only be kept under one that is already retired.
    generation = page_cache.current_generation(f"question:{question_id}")
    # Read without the reader's vote: the kept row serves every reader (page() reads votes).
    kept_question = _kept(("question", question_id, generation), lambda: selectors.question_with_tags(question_id))
    post = copy.copy(kept_question)
    post.thread_generation = generation
    return post


def page(*, question: Post, user, include_deleted: bool, page: int) -> tuple[list[Post], dict[int, int]]:
    """``selectors.question_thread`` for one page, from the kept thread when the question's
    generation is still the one ``question()`` saw: copies of the answers (with
    ``comment_list``), ``question.comment_list`` and ``question.answer_page`` set, and the
    reader's votes."""
    from . import selectors

    generation = getattr(question, "thread_generation", None)
    if seconds() <= 0 or generation is None:
        return selectors.question_thread(question=question, user=user, include_deleted=include_deleted, page=page)

    def read() -> _Thread:
        anyone = AnonymousUser()  # the rows without anybody's votes: page() reads the reader's
        answers, _votes = selectors.question_thread(
            question=question, user=anyone, include_deleted=include_deleted, page=page
        )
        return _Thread(question.comment_list, answers, getattr(question, "answer_page", None))

    thread = _kept(("thread", question.pk, generation, page, include_deleted), read)
    question.comment_list = thread.question_comments
    question.answer_page = thread.answer_page
    question.thread_memo = thread.memo
    answers = [copy.copy(answer) for answer in thread.answers]
    return answers, votes_of(user, [question.pk, *(a.pk for a in answers)])


def kept_read(question_id: int, name: str, read):
    """``read()``, kept under the question's generation like the page's thread (``name`` tells
    apart the shapes different callers keep: the API keeps the whole thread). The caller must
    not change what it gets: it is every reader's. Returns ``(value, memo)``: the value and a
    dict kept with it for what callers compute from it (see ``authority_store.thread_context``)."""
    if seconds() <= 0:
        return read(), None
    generation = page_cache.current_generation(f"question:{question_id}")
    return _kept((name, question_id, generation), lambda: (read(), {}))


def _kept(key: tuple, read):
    """The value kept under ``key``, or ``read()`` kept there now (``read`` may raise: nothing is kept)."""
    found = kept.get(key)
    if found is None:
        found = read()
        kept.set(key, found)
    return found


def votes_of(user, post_ids: list[int]) -> dict[int, int]:
    """The reader's standing votes on these posts (none for a reader who is not signed in)."""
    if user is None or not user.is_authenticated:
        return {}
    return thread_reads.votes(user.pk, post_ids)


def clear() -> None:
    kept.clear()

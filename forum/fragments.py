"""The reader-independent HTML of a question page's posts, cached under what it shows.

Rendering is most of a question page's time (about 3 ms of CPU per answer with its comments, all
of it Django template work), and most of a post looks the same to every reader: its body, tags,
author card, comments, endorsements and "why this order" table. Only the vote buttons and the
action links depend on who reads. So each post's shared parts are rendered once and kept in the
cache, and a page request renders only the reader's parts around them.

The cache key is a digest of **every value the fragments show** (body HTML, names, authority
indexes, badges, breakdown figures, tags, comments, language, time zone, the templates' own
source), computed from the rows the page has already read. A change to anything shown changes the
key, so nothing has to be invalidated and a stale fragment cannot be served, with one bounded
exception: relative times ("3 hours ago"). The key carries the current minute while the youngest
time shown is less than an hour old and the current hour after that, so a relative time is at
most a minute behind on a young thread and at most an hour behind on one older than an hour
(where it is written in hours or days).

Because a key names its content, a copy can never go stale, so each process also keeps the
fragments it used last in its own memory (``local_copies``, a bounded LRU of the frozen objects):
a page whose posts are all there costs no cache round trip and no unpickling. The shared cache
(Redis in production) stays behind it, so a new or restarted worker renders nothing another has
rendered.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_noop

from . import moderation
from .local_lru import LocalLRU
from .models import Post
from .templatetags import authority_tags

#: The templates rendered into fragments; their source is part of every key, so a deploy that
#: changes one of them never serves HTML made from the old version.
FRAGMENT_TEMPLATES = {
    "head": "forum/fragments/post_head.html",
    "byline": "forum/fragments/post_byline.html",
    "thread": "forum/fragments/post_thread.html",
    "extras": "forum/fragments/answer_extras.html",
}
#: Kept for a day: a key changes whenever what it shows changes, so this only bounds memory.
FRAGMENT_TIMEOUT = 24 * 3600


@dataclass(frozen=True)
class PostFragments:
    """A post's shared HTML, in the order the page places it around the reader's own parts."""

    head: SafeString  # notices, body, linked duplicates, tags
    byline: SafeString  # the author card
    thread: SafeString  # attribution, comments, the comments-locked notice
    extras: SafeString  # answers only: "Verified by" endorsements and the rank breakdown


#: About 5 KiB of HTML per post: the default (3,000) holds some 15 MiB per process.
local_copies = LocalLRU(settings.WENDAO.get("LOCAL_FRAGMENTS", 3000))


#: Templates the fragments include: their source is part of the key too.
INCLUDED_TEMPLATES = ("forum/_rank_breakdown.html", "forum/_attribution_post.html")
#: A post as one kind of reader sees it: the shared fragments with the reader's votes and actions.
READER_TEMPLATE = "forum/fragments/post_for_reader.html"
READER_INCLUDED_TEMPLATES = ("forum/_post.html", "forum/_votes.html", "forum/_endorsements.html")
#: A question as a row of a list (the product page).
ROW_TEMPLATE = "forum/_question_row.html"


@lru_cache(maxsize=1)
def _templates_digest() -> str:
    names = [
        *FRAGMENT_TEMPLATES.values(),
        *INCLUDED_TEMPLATES,
        READER_TEMPLATE,
        *READER_INCLUDED_TEMPLATES,
        ROW_TEMPLATE,
    ]
    # The authority badge is a format string in its template tag (authority_tags.BADGE_HTML).
    source = "".join(get_template(name).template.source for name in names) + authority_tags.BADGE_HTML
    return hashlib.blake2b(source.encode(), digest_size=8).hexdigest()


def _time_bucket(moments: list[datetime], now: datetime) -> int:
    youngest = max(moments)
    step = 60 if now - youngest < timedelta(hours=1) else 3600
    return int(now.timestamp()) // step


def _author_key(user, experts: frozenset[int], authorities: dict) -> tuple:
    view = authorities.get(user.pk)
    return (user.pk, str(user), user.pk in experts, view.index if view else None)


def _fingerprint(post: Post, *, show_body: bool, shared: tuple, experts, authorities, duplicates, now) -> str:
    comments = getattr(post, "comment_list", ())
    moments = [post.created_at, *(c.created_at for c in comments)]
    parts = [
        shared,
        post.pk,
        post.kind,
        show_body,
        post.body_html,
        post.deleted_at is not None,
        post.hidden_at is not None,
        post.comments_locked_at is not None,
        post.source_url,
        post.source_author,
        getattr(post, "source_license", ""),
        post.created_at,
        _author_key(post.author, experts, authorities),
        [(c.pk, c.body_html, c.created_at, _author_key(c.author, experts, authorities)) for c in comments],
        _time_bucket(moments, now),
    ]
    if post.is_question:
        parts += [post.product.slug, [tag.name for tag in post.tag_list], duplicates]
    else:
        parts += [
            sorted(post.breakdown.items()),
            [(e.expert.pk, str(e.expert), e.created_at, e.note) for e in post.active_endorsements],
        ]
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def _render(post: Post, context: dict) -> PostFragments:
    context = {**context, **labels(), "post": post, "answer": post}
    # sanitised: autoescaping templates render these, and the only raw HTML they insert is
    # body_html, which forum.rendering.render_markdown alone produces. Template.render() returns
    # SafeString, and the cache keeps that type, so nothing here needs mark_safe.
    return PostFragments(
        **{
            part: SafeString() if part == "extras" and post.is_question else get_template(name).render(context)
            for part, name in FRAGMENT_TEMPLATES.items()
        }
    )


#: The fixed strings of the post templates, as context variables (``label_<name>``): translated
#: once per language and process rather than by a ``{% translate %}`` tag in every post rendered,
#: which was a quarter of the cost of rendering a page's posts again.
_LABELS = {
    # The reader's parts (forum/_post.html, forum/_votes.html).
    "edit": gettext_noop("Edit"),
    "history": gettext_noop("History"),
    "delete_confirm": gettext_noop("Delete this post?"),
    "delete": gettext_noop("Delete"),
    "undelete": gettext_noop("Undelete"),
    "moderate": gettext_noop("Moderate"),
    "flag": gettext_noop("Flag"),
    "unaccept": gettext_noop("Unaccept"),
    "accept": gettext_noop("Accept this answer"),
    "add_a_comment": gettext_noop("Add a comment"),
    "comment": gettext_noop("Comment"),
    "add_comment": gettext_noop("Add comment"),
    "useful": gettext_noop("This is useful"),
    "vote_up": gettext_noop("Vote up"),
    "score": gettext_noop("Score"),
    "not_useful": gettext_noop("This is not useful"),
    "vote_down": gettext_noop("Vote down"),
    # The shared fragments (forum/fragments/*.html, forum/_rank_breakdown.html).
    "official": gettext_noop("Official"),
    "official_title": gettext_noop("A company expert for this product"),
    "asked": gettext_noop("asked"),
    "answered": gettext_noop("answered"),
    "comments_locked": gettext_noop("Comments on this post are locked by the product's experts."),
    "why_this_order": gettext_noop("Why this order?"),
    "order_explained": gettext_noop(
        "Answers are ordered by how sure we can be that they help: the author's standing gives a starting"
        " guess, weighted votes refine it, and the asker's acceptance and experts' endorsements add visible"
        " boosts."
    ),
    "starting_guess": gettext_noop("Starting guess from the author"),
    "weighted_votes": gettext_noop("Weighted votes"),
    "helpfulness": gettext_noop("Helpfulness, lower bound"),
    "accepted_by_asker": gettext_noop("Accepted by the asker"),
    "endorsed_by_experts": gettext_noop("Endorsed by experts"),
}


@lru_cache(maxsize=32)
def _labels_in(language: str) -> dict[str, str]:
    with translation.override(language):
        return {f"label_{name}": gettext(text) for name, text in _LABELS.items()}


def labels() -> dict[str, str]:
    """``_LABELS`` in the active language, as template variables."""
    return _labels_in(translation.get_language())


def _shared() -> tuple:
    """What every key depends on besides the post: language, time zone, the templates' source
    and where static files and the site live."""
    return (
        translation.get_language(),
        timezone.get_current_timezone_name(),
        _templates_digest(),
        settings.STATIC_URL,
        get_script_prefix(),
    )


def _reader_state(post: Post, *, question: Post, reader, moderator: bool, expert: bool, endorsed: set) -> tuple:
    """Everything ``forum/_post.html`` and an answer's article show that depends on who reads
    (besides the fragments)."""
    return (
        reader.is_authenticated,
        expert,
        post.pk in endorsed,
        reader.pk == post.author_id,
        reader.pk == question.author_id,
        moderator,
        post.my_vote,
        post.score,
        post.edited_at is not None,
        post.is_deleted,
        post.is_accepted,
        post.comments_locked,
    )


def _lookup(keys) -> dict:
    """This process's copies, then one shared-cache round trip for the rest."""
    found = local_copies.get_many(keys)
    if len(found) < len(keys):
        shared_copies = cache.get_many([key for key in keys if key not in found])
        local_copies.set_many(shared_copies)
        found |= shared_copies
    return found


def _keep(items: dict) -> None:
    if items:
        local_copies.set_many(items)
        cache.set_many(items, FRAGMENT_TIMEOUT)


def attach(
    *,
    question: Post,
    answers: list[Post],
    experts: frozenset[int],
    authorities: dict,
    reader,
    moderator: bool,
    reader_is_expert: bool = False,
    reader_endorsed: frozenset[int] | set[int] = frozenset(),
    memo: dict | None = None,
    memo_key: tuple = (),
):
    """Set ``post.reader_html`` on the question and each answer: the post as this reader sees it.

    Two layers, both keyed by what they show. A post's shared fragments are keyed by the digest
    of their content (``_fingerprint``); the post as a kind of reader sees it (votes, actions and
    comment box around the fragments) by that digest and the reader's state (``_reader_state``:
    their vote, whether they wrote it, asked the question, moderate...). Most readers of a post
    share a state, so a page whose posts were seen in the same state costs one lookup and no
    rendering; a new state renders only the reader's parts around the kept fragments. Every
    post needs ``comment_list`` and ``my_vote``; answers ``breakdown`` and
    ``active_endorsements`` (``authority_store.thread_context``). The CSRF token is a
    placeholder here: ``forum.page_cache.fill_token`` puts the reader's own into the page.

    ``memo``: a dict kept with the thread's rows (``forum/thread_cache.py``), where each post's
    digest is kept for the next reader of the same rows; ``memo_key`` names what else the digest
    depends on (the experts and the day the authorities were computed for).
    """
    from .page_cache import CSRF_PLACEHOLDER

    now = timezone.now()
    shared = _shared()
    duplicates = moderation.linked_duplicates(question.pk)
    fragment_keys: dict[str, Post] = {}
    reader_keys: dict[str, tuple[Post, str]] = {}
    for post in [question, *answers]:
        # A post hidden after flags shows its body only to its author and the product's experts.
        post.show_body = post.hidden_at is None or moderator or reader.pk == post.author_id
        comments = getattr(post, "comment_list", ())
        bucket = _time_bucket([post.created_at, *(c.created_at for c in comments)], now)
        remembered = ("fingerprint", post.pk, post.show_body, shared, bucket, memo_key)
        if post.is_question:
            remembered += (repr(duplicates),)
        fingerprint = memo.get(remembered) if memo is not None else None
        if fingerprint is None:
            fingerprint = _fingerprint(
                post,
                show_body=post.show_body,
                shared=shared,
                experts=experts,
                authorities=authorities,
                duplicates=duplicates if post.is_question else None,
                now=now,
            )
            if memo is not None:
                memo[remembered] = fingerprint
        fragment_key = f"wendao:fragment:{post.pk}:{fingerprint}"
        fragment_keys[fragment_key] = post
        state = _reader_state(
            post,
            question=question,
            reader=reader,
            moderator=moderator,
            expert=reader_is_expert,
            endorsed=reader_endorsed,
        )
        digest = hashlib.blake2b(repr((fingerprint, state)).encode(), digest_size=16).hexdigest()
        reader_keys[f"wendao:post-html:{post.pk}:{digest}"] = (post, fragment_key)

    found = _lookup(reader_keys)
    unseen = {key: value for key, value in reader_keys.items() if key not in found}
    if unseen:
        wanted = {fragment_key: post for post, fragment_key in unseen.values()}
        kept = _lookup(wanted)
        context = {"experts": experts, "authorities": authorities, "duplicates": duplicates, "question": question}
        rendered = {key: _render(post, context) for key, post in wanted.items() if key not in kept}
        _keep(rendered)
        kept |= rendered
        reader_context = {**labels(), "question": question, "user": reader, "is_moderator": moderator}
        reader_context |= {"user_is_expert": reader_is_expert, "my_endorsements": reader_endorsed}
        reader_context["csrf_token"] = CSRF_PLACEHOLDER
        template = get_template(READER_TEMPLATE)
        made = {}
        for key, (post, fragment_key) in unseen.items():
            post.fragments = kept[fragment_key]
            # sanitised: the fragments (see _render) and an autoescaping template around them.
            made[key] = template.render({**reader_context, "post": post, "answer": post})
        _keep(made)
        found |= made
    for key, (post, _fragment_key) in reader_keys.items():
        post.reader_html = found[key]


def attach_rows(questions: list[Post]) -> None:
    """Set ``question.row_html`` on each question of a list: its row (scores, title, tags,
    author, age), kept under a digest of what it shows like the posts above. Each question needs
    ``product``, ``author`` and its ``tags`` prefetched."""
    now, shared = timezone.now(), _shared()
    keys: dict[str, Post] = {}
    for question in questions:
        shown = (
            shared,
            question.pk,
            question.title,
            question.score,
            question.answer_count,
            question.has_accepted_answer,
            question.view_count,
            question.product.slug,
            [tag.name for tag in question.tags.all()],
            question.author_id,
            str(question.author),
            question.created_at,
            _time_bucket([question.created_at], now),
        )
        digest = hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()
        keys[f"wendao:row:{question.pk}:{digest}"] = question
    found = _lookup(keys)
    template = get_template(ROW_TEMPLATE)
    # sanitised: an autoescaping template of plain-text fields.
    made = {key: template.render({"question": question}) for key, question in keys.items() if key not in found}
    _keep(made)
    found |= made
    for key, question in keys.items():
        question.row_html = found[key]

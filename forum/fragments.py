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
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from . import moderation
from .models import Post

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


class LocalCopies:
    """A thread-safe, size-bounded LRU of this process's most recently used fragments."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[str, PostFragments] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys) -> dict[str, PostFragments]:
        found = {}
        with self._lock:
            for key in keys:
                value = self._items.get(key)
                if value is not None:
                    self._items.move_to_end(key)
                    found[key] = value
        return found

    def set_many(self, items: dict[str, PostFragments]) -> None:
        with self._lock:
            for key, value in items.items():
                self._items[key] = value
                self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


#: About 5 KiB of HTML per post: the default (3,000) holds some 15 MiB per process.
local_copies = LocalCopies(settings.WENDAO.get("LOCAL_FRAGMENTS", 3000))


#: Templates the fragments include: their source is part of the key too.
INCLUDED_TEMPLATES = ("forum/_rank_breakdown.html", "forum/_attribution_post.html", "forum/_authority.html")


@lru_cache(maxsize=1)
def _templates_digest() -> str:
    names = [*FRAGMENT_TEMPLATES.values(), *INCLUDED_TEMPLATES]
    source = "".join(get_template(name).template.source for name in names)
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
        parts += [post.product.slug, [tag.name for tag in post.tags.all()], duplicates]
    else:
        parts += [
            sorted(post.breakdown.items()),
            [(e.expert.pk, str(e.expert), e.created_at, e.note) for e in post.active_endorsements],
        ]
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def _render(post: Post, context: dict) -> PostFragments:
    context = {**context, "post": post, "answer": post}
    # sanitised: autoescaping templates render these, and the only raw HTML they insert is
    # body_html, which forum.rendering.render_markdown alone produces. Template.render() returns
    # SafeString, and the cache keeps that type, so nothing here needs mark_safe.
    return PostFragments(
        **{
            part: SafeString() if part == "extras" and post.is_question else get_template(name).render(context)
            for part, name in FRAGMENT_TEMPLATES.items()
        }
    )


def attach(*, question: Post, answers: list[Post], experts: frozenset[int], authorities: dict, reader, moderator: bool):
    """Set ``post.fragments`` on the question and each answer, from the cache where possible.

    This process's copies first; then one shared-cache round trip (``get_many``) for the rest
    and one ``set_many`` for what was missing. ``answers`` must carry ``breakdown`` and ``active_endorsements``
    (``authority_store.thread_context``) and every post its ``comment_list``.
    """
    now = timezone.now()
    shared = (
        translation.get_language(),
        timezone.get_current_timezone_name(),
        _templates_digest(),
        settings.STATIC_URL,
    )
    duplicates = moderation.linked_duplicates(question.pk)
    context = {"experts": experts, "authorities": authorities, "duplicates": duplicates, "question": question}
    keys: dict[str, Post] = {}
    for post in [question, *answers]:
        # A post hidden after flags shows its body only to its author and the product's experts.
        post.show_body = post.hidden_at is None or moderator or reader.pk == post.author_id
        fingerprint = _fingerprint(
            post,
            show_body=post.show_body,
            shared=shared,
            experts=experts,
            authorities=authorities,
            duplicates=duplicates if post.is_question else None,
            now=now,
        )
        keys[f"wendao:fragment:{post.pk}:{fingerprint}"] = post
    found = local_copies.get_many(keys)
    if len(found) < len(keys):
        shared_copies = cache.get_many([key for key in keys if key not in found])
        local_copies.set_many(shared_copies)
        found |= shared_copies
    missing = {}
    for key, post in keys.items():
        post.fragments = found.get(key)
        if post.fragments is None:
            post.fragments = missing[key] = _render(post, context)
    if missing:
        local_copies.set_many(missing)
        cache.set_many(missing, FRAGMENT_TIMEOUT)

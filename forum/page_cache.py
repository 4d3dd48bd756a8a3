"""Whole pages for anonymous readers, kept for a short while.

Most of a Q&A site's traffic is people who are not signed in reading question pages that search
engines sent them to, and every one of them sees the same HTML. So the question page, the
product lists and the home page are kept for ``WENDAO["ANONYMOUS_PAGE_SECONDS"]`` (60 s by
default; 0 turns this off) per URL and language, as Stack Overflow does for its anonymous
readers. What stays true:

- **A question's page changes at once** when anything on its thread changes (an answer, an edit,
  a vote, a comment, an acceptance, an endorsement, a moderator's action): every such write bumps
  the question's *generation*, and a page kept under an older generation is not served.
- Lists, the home page and what a question page shows of the world outside its thread (an
  author's authority earned elsewhere, the view count) may be up to the timeout old.
- Only readers with no session and no pending messages get kept pages: a signed-in reader, or
  anyone with a message to see, gets the page rendered for them.
- The kept HTML holds a placeholder where the CSRF token goes; each reader gets their own token
  (the search box and the language switch post forms).
"""

from __future__ import annotations

import functools
import hashlib
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token

#: Rendered into kept pages instead of a real CSRF token, and replaced per reader.
CSRF_PLACEHOLDER = "wendao-csrf-" + "0" * 52
_PAGE_PREFIX = "wendao:page:"
_GENERATION_PREFIX = "wendao:page-generation:"


def timeout() -> int:
    return settings.WENDAO.get("ANONYMOUS_PAGE_SECONDS", 60)


def _eligible(request) -> bool:
    return (
        timeout() > 0
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and getattr(settings, "MESSAGES_COOKIE_NAME", "messages") not in request.COOKIES
        and not getattr(request, "htmx", False)
    )


def generation_key(scope: str) -> str:
    return f"{_GENERATION_PREFIX}{scope}"


def bump(scope: str) -> None:
    """Retire every kept page of ``scope`` (``"question:<id>"``), once the write has committed."""

    def _bump():
        # A fresh random value rather than incr(): no race between a first add and an incr.
        cache.set(generation_key(scope), secrets.token_hex(8), None)

    # Now, so this request's own next page is fresh even inside a transaction, and again after
    # the commit, so a page another reader rendered from the not yet committed rows is retired.
    _bump()
    transaction.on_commit(_bump)


def _page_key(request, scope: str | None, kind: str = "page") -> str:
    # The URL digested: a query string can be kilobytes long (a cache key should not be).
    url = hashlib.blake2b(request.get_full_path().encode(), digest_size=16).hexdigest()
    return f"{_PAGE_PREFIX}{kind}:{request.LANGUAGE_CODE}:{scope or '-'}:{url}"


def for_anonymous(scope=None, *, on_serve=None):
    """Decorate a page view: serve anonymous readers a kept copy when there is a current one.

    ``scope(**view_kwargs)`` names the generation the page belongs to (or ``None`` for pages
    that only expire); ``on_serve(request, **view_kwargs)`` runs when a kept copy is served (the
    question page counts the view).
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not _eligible(request):
                return view(request, *args, **kwargs)
            name = scope(**kwargs) if scope else None
            key = _page_key(request, name)
            found = cache.get_many([key, generation_key(name)] if name else [key])
            generation = _current_generation(name, found)
            kept = found.get(key)
            if kept is not None and kept["generation"] == generation:
                if on_serve:
                    on_serve(request, *args, **kwargs)
                return _response(request, kept)
            request.csrf_placeholder = True
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming:
                kept = {
                    "generation": generation,
                    "content": response.content.decode(response.charset),
                    "content_type": response["Content-Type"],
                    "content_language": response.get("Content-Language", ""),
                }
                cache.set(key, kept, timeout())
            fill_token(request, response)
            return response

        return wrapped

    return decorator


def current_generation(scope: str) -> str:
    """The scope's current generation (one cache round trip)."""
    return _current_generation(scope, {generation_key(scope): cache.get(generation_key(scope))})


def _current_generation(name: str | None, found: dict) -> str | None:
    """The scope's generation; one is made if the cache has none (first use, or evicted), so a page
    is never kept under a generation that a later bump could not retire."""
    if name is None:
        return None
    current = found.get(generation_key(name))
    if current is None:
        cache.add(generation_key(name), secrets.token_hex(8), None)
        current = cache.get(generation_key(name))
    return current


def fill_token(request, response) -> None:
    """Put the reader's CSRF token where a kept page or post (forum/fragments.py) has the placeholder."""
    if CSRF_PLACEHOLDER.encode() in response.content:
        response.content = response.content.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode())


def _response(request, kept: dict) -> HttpResponse:
    response = HttpResponse(kept["content"].replace(CSRF_PLACEHOLDER, get_token(request)))
    response["Content-Type"] = kept["content_type"]
    if kept["content_language"]:
        response["Content-Language"] = kept["content_language"]
    response["X-Page-Cache"] = "hit"
    return response


def csrf_placeholder(request) -> dict:
    """Context processor, after Django's ``csrf``: pages being kept get the placeholder."""
    if getattr(request, "csrf_placeholder", False):
        return {"csrf_token": CSRF_PLACEHOLDER}
    return {}


def kept_json(request, scope: str | None, build) -> HttpResponse | None:
    """The API's counterpart for anonymous clients (no session, no token): the JSON body that
    ``build()`` returns, kept under ``scope``'s generation like a page. Returns ``None`` when the
    request does not qualify (signed in, kept copies off, or a renderer other than JSON), so the
    view answers it as usual."""
    if (
        request.user.is_authenticated
        or not _eligible(request)
        or getattr(request, "accepted_renderer", None) is None
        or request.accepted_renderer.format != "json"
    ):
        return None
    key = _page_key(request, scope, kind="api")
    found = cache.get_many([key, generation_key(scope)] if scope else [key])
    generation = _current_generation(scope, found)
    kept = found.get(key)
    hit = kept is not None and kept["generation"] == generation
    if not hit:
        content = request.accepted_renderer.render(build(), request.accepted_media_type, {"request": request})
        kept = {"generation": generation, "content": content}
        cache.set(key, kept, timeout())
    response = HttpResponse(kept["content"], content_type=request.accepted_renderer.media_type)
    if hit:
        response["X-Page-Cache"] = "hit"
    return response

"""A tiny registry through which other apps give the forum data it cannot compute itself.

``forum`` never imports ``knowledge``. Where a forum page shows knowledge-base figures (the bot
misses in the expert workspace, articles published and bot queries in the analytics), it asks
this registry; ``knowledge`` registers providers in its ``AppConfig.ready``. With nothing
registered, ``call`` returns an empty list and the page says "not available".

Hooks the forum calls (the contract a provider must keep):

``experts.bot_misses(product, limit) -> list[dict]``
    The chatbot's recent unanswered queries for a product, most frequent first. Each dict has
    ``query`` (str), ``count`` (int), ``last_asked_at`` (aware datetime or None) and optionally
    ``url`` (where an editor handles it).

``analytics.knowledge_weekly(product_ids, start, end) -> dict[date, dict]``
    Per week (keyed by the Monday, a ``date``) between ``start`` and ``end`` (dates, inclusive):
    ``{"articles_published": int, "bot_queries": int, "bot_hits": int}``; weeks with nothing may
    be missing. ``bot_hits`` is the number of queries the bot answered from an article.
"""

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

_providers: dict[str, list[Callable]] = {}


def register(name: str, fn: Callable) -> Callable:
    """Add a provider for ``name``; registering the same function twice has no effect.

    Returns ``fn`` so it can be used as a decorator: ``@hooks.register_as("...")`` below.
    """
    providers = _providers.setdefault(name, [])
    if fn not in providers:
        providers.append(fn)
    return fn


def register_as(name: str) -> Callable[[Callable], Callable]:
    def decorator(fn: Callable) -> Callable:
        return register(name, fn)

    return decorator


def unregister(name: str, fn: Callable) -> None:
    providers = _providers.get(name, [])
    if fn in providers:
        providers.remove(fn)


def is_registered(name: str) -> bool:
    return bool(_providers.get(name))


def call(name: str, *args, **kwargs) -> list:
    """The results of every provider of ``name``, in registration order.

    A provider that fails is logged and skipped: a broken knowledge-base query must not take
    the expert workspace down with it.
    """
    results = []
    for fn in list(_providers.get(name, [])):
        try:
            results.append(fn(*args, **kwargs))
        except Exception:
            logger.exception("hook %s provider %r failed", name, fn)
    return results


def first(name: str, *args, default=None, **kwargs):
    """The first provider's result, or ``default`` when nobody provides ``name``."""
    results = call(name, *args, **kwargs)
    return results[0] if results else default

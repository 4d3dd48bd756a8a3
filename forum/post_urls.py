"""The URLs of a post's actions, without a ``reverse()`` per link.

A question page links every post to up to ten actions (vote, comment, edit, history, ...); at
about 35 µs a ``reverse()`` that was a tenth of the page's time. Each route is reversed once
per script prefix with a marker id, and every post's URL is then that pattern with its id.
"""

from functools import lru_cache

from django.urls import get_script_prefix, reverse

#: Route names in ``forum.urls`` that take a post id (``<int:pk>``) and nothing else.
POST_ACTIONS = ("vote", "comment", "accept", "endorse", "edit", "history", "delete", "undelete", "moderate", "flag")
_MARKER = 918273645


@lru_cache(maxsize=64)
def _pattern(name: str, script_prefix: str) -> tuple[str, str]:
    url = reverse(f"forum:{name}", args=[_MARKER])
    before, _, after = url.partition(str(_MARKER))
    return before, after


class PostUrls:
    """``post.urls.edit`` and so on; the same strings ``reverse`` gives."""

    __slots__ = ("pk",)

    def __init__(self, pk: int):
        self.pk = pk

    def __getattr__(self, name: str) -> str:
        if name not in POST_ACTIONS:
            raise AttributeError(name)
        before, after = _pattern(name, get_script_prefix())
        return f"{before}{self.pk}{after}"

"""The API's JSON renderer: DRF's ``JSONRenderer`` output, byte for byte, written by orjson.

DRF's renderer (``json.dumps`` with its encoder class, then ``\\u2028``/``\\u2029`` escaped)
cost about 2.5 ms of CPU for a question with 50 answers (90 KiB), a fifth of the request;
orjson writes the same bytes in under 0.2 ms. Where the two would differ, this renderer hands
the data to DRF's own code instead, so clients (and the anonymous kept copies of
``forum/page_cache.py``, written by the same renderer) see what they always saw:

- settings other than the project's (``UNICODE_JSON`` on, ``COMPACT_JSON`` on,
  ``STRICT_JSON`` on) or an indented response (``application/json; indent=4``);
- data orjson refuses: non-string keys, integers beyond 64 bits, float subclasses, circular
  structures, lone surrogates (DRF fails on those too, in its own way);
- floats orjson formats differently: Python writes ``1e-05`` and ``2.5e-07`` where orjson
  writes ``0.00001`` and ``2.5e-7`` (the same numbers); the bytes are searched for both shapes
  (``0.0000`` and a digit, ``e-``, one digit) and any match, in a number or in a text, falls back.

The types DRF's encoder knows (dates and times, decimals, UUIDs, lazy translations...) are
passed to that encoder's ``default``, so they come out as DRF writes them.

One difference remains, deliberately: a NaN or infinite float, which DRF refuses (a 500 error
with ``STRICT_JSON``), is written as ``null``. The API has none; telling them apart would mean
walking every value in Python, which is what this renderer exists to avoid.
"""

import orjson
from rest_framework import renderers

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_DIGITS = frozenset(b"0123456789")
# Line and paragraph separators are valid JSON but not valid JavaScript; DRF escapes them.
_LS, _PS = "\u2028".encode(), "\u2029".encode()


class JSONRenderer(renderers.JSONRenderer):
    def __init__(self):
        super().__init__()
        # The one configuration orjson can write: UTF-8 text, no spaces, no NaN.
        self._fast = not self.ensure_ascii and self.compact and self.strict
        self._default = self.encoder_class().default

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None or not self._fast or self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            content = orjson.dumps(data, default=self._default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        if _floats_may_differ(content):
            return super().render(data, accepted_media_type, renderer_context)
        # Both separators start with the byte E2, which ``in`` finds with memchr (searching
        # for the three bytes costs a hundred times more, and E2 is rare: curly quotes, dashes).
        if b"\xe2" in content and (_LS in content or _PS in content):
            content = content.replace(_LS, b"\\u2028").replace(_PS, b"\\u2029")
        return content


def _floats_may_differ(content: bytes) -> bool:
    """Whether ``content`` may hold a float orjson writes unlike Python's ``repr``: one of
    ``1e-05 <= |x| < 1e-04`` (orjson: ``0.0000`` and digits) or, below, one whose exponent is a
    single digit (orjson ``e-7``, Python ``e-07``). Larger exponents, ``e+16`` and up, and every
    other float are written alike (``tests/api/test_renderers.py`` checks this)."""
    if b"0.0000" in content:
        return True
    end = len(content)
    at = content.find(b"e-")
    while at != -1:
        if (
            at > 0
            and content[at - 1] in _DIGITS
            and at + 2 < end
            and content[at + 2] in _DIGITS
            and (at + 3 == end or content[at + 3] not in _DIGITS)
        ):
            return True
        at = content.find(b"e-", at + 2)
    return False

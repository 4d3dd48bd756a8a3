"""The one function that turns user text into HTML, for every place that shows it.

Markdown is parsed by markdown-it-py's ``js-default`` preset (CommonMark, raw HTML *off*, the
same link validation as markdown-it in JavaScript), then everything goes through nh3 with an
explicit allowlist. nh3 is the last word: whatever the parser lets through, only the tags and
attributes below survive, and links can only be http, https or mailto.
"""

import html
import re

import nh3
from markdown_it import MarkdownIt

# Bump when the output of ``render_markdown`` changes, so ``rerender_posts`` refreshes caches.
# 2: table alignment kept (as ``align``), ``class`` limited to ``language-*`` on code.
RENDERER_VERSION = 2

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "kbd",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "ol": {"start"},
}
# Attributes allowed only with these exact values (nh3 drops any other value).
ALLOWED_ATTRIBUTE_VALUES = {
    "td": {"align": {"left", "center", "right"}},
    "th": {"align": {"left", "center", "right"}},
}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

# Control characters other than tab and newlines have no business in text and confuse parsers.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Lone surrogates cannot be encoded as UTF-8: JSON can smuggle them in ("\\ud800"), and nh3 or
# the database would then raise. They become U+FFFD, the usual mark of a lost character.
_SURROGATES = re.compile(r"[\ud800-\udfff]")

# A fenced block's language arrives as ``class="language-python"``. Any other class is dropped, so
# a post (or imported HTML) cannot borrow the site's own classes to dress text up as a button,
# a badge or a system notice.
_CODE_CLASS = re.compile(r"^language-[\w+#.-]{1,40}$")
_ALIGN_STYLE = re.compile(r"^text-align:(left|center|right)$")

_markdown = MarkdownIt("js-default")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        return value if _CODE_CLASS.match(value) else None
    return value


# Built once: nh3 compiles the allowlist into a Cleaner, which is then reused by every call.
_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
    tag_attribute_values={
        tag: {a: set(v) for a, v in attrs.items()} for tag, attrs in ALLOWED_ATTRIBUTE_VALUES.items()
    },
    attribute_filter=_filter_attribute,
    url_schemes=set(ALLOWED_URL_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
)


def clean_text(text: str) -> str:
    """Normalise what a user typed: drop NUL and other control characters, unify newlines."""
    text = _SURROGATES.sub("\ufffd", text)
    return _CONTROL_CHARS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def sanitize_html(fragment: str) -> str:
    """Keep only allowlisted HTML. Idempotent: ``sanitize_html(sanitize_html(x)) == sanitize_html(x)``."""
    # A leading byte-order mark is dropped by the HTML parser, so drop it everywhere up front; a
    # carriage return (from ``&#13;``) would come back as a newline on the next parse, so it stays
    # a character reference. Both keep the function idempotent.
    cleaned = _cleaner.clean(_SURROGATES.sub("\ufffd", fragment).replace("\ufeff", ""))
    return cleaned.replace("\r", "&#13;")


def render_markdown(text: str) -> str:
    """Markdown in, safe HTML out."""
    env: dict = {}
    tokens = _markdown.parse(clean_text(text), env)
    for token in tokens:
        # markdown-it aligns table cells with ``style``, which the allowlist (rightly) never
        # lets through; say the same with the ``align`` attribute instead.
        if token.type in ("th_open", "td_open") and token.attrs.get("style"):
            match = _ALIGN_STYLE.match(str(token.attrs.pop("style")))
            if match:
                token.attrSet("align", match.group(1))
    return sanitize_html(_markdown.renderer.render(tokens, _markdown.options, env))


def html_to_text(fragment: str) -> str:
    """Plain text of sanitised HTML, for snippets, search and exports."""
    text = nh3.clean(_SURROGATES.sub("\ufffd", fragment), tags=set())
    return re.sub(r"\s+", " ", html.unescape(text)).strip()

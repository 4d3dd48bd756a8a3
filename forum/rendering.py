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
RENDERER_VERSION = 1

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
    "td": {"align"},
    "th": {"align"},
}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

# Control characters other than tab and newlines have no business in text and confuse parsers.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_markdown = MarkdownIt("js-default")


def clean_text(text: str) -> str:
    """Normalise what a user typed: drop NUL and other control characters, unify newlines."""
    return _CONTROL_CHARS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def sanitize_html(fragment: str) -> str:
    """Keep only allowlisted HTML. Idempotent: ``sanitize_html(sanitize_html(x)) == sanitize_html(x)``."""
    return nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Markdown in, safe HTML out."""
    return sanitize_html(_markdown.render(clean_text(text)))


def html_to_text(fragment: str) -> str:
    """Plain text of sanitised HTML, for snippets, search and exports."""
    text = nh3.clean(fragment, tags=set())
    return re.sub(r"\s+", " ", html.unescape(text)).strip()

"""Snippets with the matched words marked, for Chinese and English.

Whoosh's highlighter re-reads the text with an analyzer and marks the tokens whose terms the
query asked for. haystack's Whoosh backend always hands it the English stemming analyzer, which
never produces a Chinese word, so Chinese snippets came back with nothing marked (or empty);
here the same analyzer as the index is used, so a term marks in the snippet exactly when it
matched in the index.
"""

from functools import lru_cache

from whoosh.highlight import ContextFragmenter, HtmlFormatter, WholeFragmenter, highlight

from .analysis import terms as analysed_terms
from .analysis import text_analyzer

SNIPPET_FRAGMENTS = 2
# Characters of context either side of a marked word, and the longest a fragment may get.
SNIPPET_SURROUND = 60
SNIPPET_MAX_CHARS = 240


@lru_cache(maxsize=1)
def _analyzer():
    return text_analyzer()


def snippet(text: str, query_terms: list[str] | set[str], *, fallback_chars: int = 200) -> str:
    """HTML: up to two fragments of ``text`` around the query's terms, each marked with <mark>.

    ``query_terms`` are analysed terms (``analysis.terms``). The text is escaped by Whoosh's
    ``HtmlFormatter`` before any <mark> goes in, so the result is safe to show as HTML. With no
    matched term, the text's beginning (escaped) stands in, so a result never has no snippet.
    """
    from django.utils.html import escape

    text = text or ""
    wanted = frozenset(query_terms)
    marked = ""
    if wanted and text:
        marked = highlight(
            text,
            wanted,
            _analyzer(),
            ContextFragmenter(maxchars=SNIPPET_MAX_CHARS, surround=SNIPPET_SURROUND),
            HtmlFormatter(tagname="mark", between=" … "),
            top=SNIPPET_FRAGMENTS,
        )
    if marked:
        return marked
    head = " ".join(text.split())[:fallback_chars]
    return escape(head) + ("…" if len(text) > len(head) else "")


def mark_all(text: str, query_terms: set[str]) -> str:
    """HTML: the whole of a short text (a title) escaped, every query term in it marked."""
    from django.utils.html import escape

    if query_terms and text:
        marked = highlight(text, frozenset(query_terms), _analyzer(), WholeFragmenter(), HtmlFormatter(tagname="mark"))
        if marked:
            return marked
    return escape(text)


def terms_of(query_text: str) -> set[str]:
    return set(analysed_terms(query_text))

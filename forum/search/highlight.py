"""Snippets with the matched words marked, for Chinese and English.

Whoosh's highlighter re-reads the text with an analyzer and marks the tokens whose terms the
query asked for. haystack's Whoosh backend always hands it the English stemming analyzer, which
never produces a Chinese word, so Chinese snippets came back with nothing marked (or empty);
here the same analyzer as the index is used, so a term marks in the snippet exactly when it
matched in the index.
"""

from functools import lru_cache

from whoosh.highlight import ContextFragmenter, Fragment, HtmlFormatter, WholeFragmenter, highlight
from whoosh.lang.porter2 import stem

from .analysis import CJK, CJK_RUN, LATIN_WORD, normalise, text_analyzer
from .analysis import terms as analysed_terms

# Whoosh picks a text's best fragments with ``heapq.nlargest`` over (score, fragment), and
# orders fragments of equal score by ``id()``, their memory address: the same text gave one
# snippet or another from one render to the next. Equal scores go to the earlier fragment.
Fragment.__lt__ = lambda self, other: self.startchar > other.startchar

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
    if wanted and text and _may_hold(text, wanted):
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

    if query_terms and text and _may_hold(text, query_terms):
        marked = highlight(text, frozenset(query_terms), _analyzer(), WholeFragmenter(), HtmlFormatter(tagname="mark"))
        if marked:
            return marked
    return escape(text)


def _may_hold(text: str, wanted) -> bool:
    """False when no term of ``wanted`` can be among ``text``'s tokens, so that highlighting
    would mark nothing: then the text is not analysed at all (jieba and the highlighter's
    token-by-token walk were half of a results page's time, mostly on answers searched for a
    snippet and on texts without a match).

    A token is a word of the text as ``analysis._words`` cuts it, lower-cased and stemmed. A
    Chinese word is a piece of a run of Chinese characters, and lower-casing and stemming leave
    it as it is: a Chinese term must be a substring of the (normalised) text. Other words are
    the word pattern's matches between those runs: their stems are computed here the same way.
    """
    normalised = normalise(text)
    latin = set()
    for term in wanted:
        if CJK.search(term):
            if term in normalised:
                return True
        else:
            latin.add(term)
    if not latin:
        return False
    for part in CJK_RUN.split(normalised):
        for word in LATIN_WORD.findall(part):
            if _stem(word.lower()) in latin:
                return True
    return False


_stem = lru_cache(maxsize=50_000)(stem)


def terms_of(query_text: str) -> set[str]:
    return set(analysed_terms(query_text))

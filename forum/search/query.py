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
from collections.abc import Callable
from dataclasses import dataclass, field

from . import synonyms
from .analysis import CJK, STOP_WORDS, bigrams, normalise, query_words
from .analysis import terms as analysed_terms

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


def search_query_string(query: CleanQuery, *, match_all: bool = True, frequencies: "Frequencies | None" = None) -> str:
    """The page's search: every word (or any, when ``match_all`` is off) somewhere in the
    question or its answers, a match in the title or a tag counting three times.

    "Any word" on a large index with ``frequencies`` (Wendao's Whoosh backend): questions with
    one of the rarest words, the other words adding to their score (see ``_candidates_first``).
    """
    parts = [f"({_clause('title', w, 3)} OR {_clause('text', w)})" for w in query.words]
    parts += [_clause("text", p) for p in query.phrases]
    if match_all:
        positive = " AND ".join(parts)
    elif frequencies is not None and frequencies.document_count > CANDIDATE_BUDGET and query.words:
        sizes = [frequencies.of("text", word) or 0 for word in query.words] + [0] * len(query.phrases)
        clauses = [("text", str(size), part) for size, part in zip(sizes, parts, strict=True)]
        positive = _candidates_first(clauses, _Sized(frequencies.document_count), fields=("text",), minimum=1)
    else:
        positive = " OR ".join(parts)
    if query.excluded and positive:
        excluded = " OR ".join(_clause("text", w) for w in query.excluded)
        return f"({positive}) AND NOT ({excluded})"
    return positive


class _Sized:
    """Frequencies for clauses whose sizes are already known (the size is the clause's word)."""

    def __init__(self, document_count: int):
        self.document_count = document_count

    def of(self, field: str, size: str) -> int:
        return int(size)


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


# "More like this" keeps only the words that say what a question is about: the rarest ones.
# A word found in most questions (on a wallet forum "wallet", in a router product "路由器") ranks
# nothing, yet it is the longest posting list Whoosh walks, and ORing a few of them scores most
# of the index (docs/search.md, "Speed"). With document frequencies at hand (a Whoosh index),
# words are ranked by how few questions hold them; the most common ones are dropped while
# rarer ones remain. A small index (a new site, the tests) is left alone: there a word's
# frequency says little. Body words (when a whole question is compared, before saving) keep
# their order: picking the body's rarest words instead, or dropping title words already in a
# fifth of the questions, lost duplicates on cardano (docs/search.md).
MAX_SIMILAR_TITLE_WORDS = 8
MAX_SIMILAR_SALIENT_BIGRAMS = 8
COMMON_WORD_SHARE = 0.5
MIN_SALIENT_WORDS = 2
MIN_DOCUMENTS_FOR_PRUNING = 500

# (field, analysed term) -> number of documents holding it
DocumentFrequency = Callable[[str, str], int]


@dataclass
class Frequencies:
    """The index's document frequencies, for picking the rarest words of a question."""

    document_frequency: DocumentFrequency
    document_count: int

    @property
    def active(self) -> bool:
        return self.document_count >= MIN_DOCUMENTS_FOR_PRUNING

    def of(self, field: str, word: str) -> int | None:
        """How many documents hold ``word`` (its commonest term); None for a stop word."""
        # Bigrams are indexed as they are; words through the text analyzer (stemmed).
        terms = [word] if field == "title_bigrams" else analysed_terms(word)
        found = [self.document_frequency(field, term) for term in terms]
        return max(found) if found else None


def salient(words: list[str], frequencies: Frequencies | None, *, field: str, limit: int) -> list[str]:
    """The rarest ``limit`` of ``words`` in the index, in their own order; words in more than
    COMMON_WORD_SHARE of the documents only while fewer than MIN_SALIENT_WORDS rarer ones exist;
    words in no document at all are dropped (they can match nothing)."""
    if frequencies is None or not frequencies.active:
        return words[:limit]
    common = COMMON_WORD_SHARE * frequencies.document_count
    ranked = []
    for position, word in enumerate(words):
        count = frequencies.of(field, word)
        if count:
            ranked.append((count, position, word))
    ranked.sort()
    keep = [item for item in ranked[:limit] if item[0] <= common]
    if len(keep) < MIN_SALIENT_WORDS:
        keep = ranked[: min(limit, MIN_SALIENT_WORDS)]
    return [word for _count, _position, word in sorted(keep, key=lambda item: item[1])]


def similar_query_string(title: str, body: str = "", *, frequencies: Frequencies | None = None) -> str:
    """Any of the title's words (and a few of the body's), wherever they say most; with
    ``frequencies``, only the title's rarest words and bigrams."""
    w = SIMILAR_WEIGHTS
    title_words = [word for word in query_words(clean_query(title).text) if word not in STOP_WORDS][:MAX_WORDS]
    body_words = [word for word in query_words(body[:2000]) if word not in title_words]
    pruned = frequencies is not None and frequencies.active
    synonym_words = synonyms.expand(title_words)[:MAX_SYNONYMS]
    title_bigrams = bigrams(title)
    if pruned:
        title_words = salient(title_words, frequencies, field="text", limit=MAX_SIMILAR_TITLE_WORDS)
        title_bigrams = salient(title_bigrams, frequencies, field="title_bigrams", limit=MAX_SIMILAR_SALIENT_BIGRAMS)
        synonym_words = [word for word in synonym_words if frequencies.of("title", word)]
    # Each clause with the field and term whose posting list it reads.
    clauses: list[tuple[str, str, str]] = []
    for word in title_words:
        clauses += [
            ("title", word, _clause("title", word, w["title"])),
            ("text", word, _clause("text", word, w["text"])),
        ]
    clauses += [("text", word, _clause("text", word, w["body"])) for word in body_words[:MAX_SIMILAR_BODY_WORDS]]
    clauses += [
        ("title_bigrams", pair, _clause("title_bigrams", pair, w["title_bigrams"]))
        for pair in title_bigrams[:MAX_BIGRAMS]
    ]
    clauses += [("title", word, _clause("title", word, w["synonym"])) for word in synonym_words]
    if pruned:
        return _candidates_first(clauses, frequencies)
    return " OR ".join(clause for _field, _word, clause in clauses)


# Whoosh scores an OR one matching question at a time, in Python: at 100,000 questions a title's
# words are each in thousands of questions (in the benchmark's corpus, cardano's words in a
# fifth of them), and scoring their union cost half a second per title. So on a large index the
# query is split: the title-side clauses (title words, title bigrams, synonyms, all in short
# fields) whose questions together number at most CANDIDATE_BUDGET choose the candidates, and
# everything else only adds to a candidate's score (Whoosh's ANDMAYBE: a candidate's score is
# the same as in the OR). Wendao's backend then scores the candidates in two steps (see
# ``backend._search_candidates_first``). A question sharing no rare title-side word with the
# title is left out; on an index of at most CANDIDATE_BUDGET questions the query is the plain OR.
CANDIDATE_BUDGET = 3_000
MIN_REQUIRED_CLAUSES = 2
CANDIDATE_FIELDS = ("title", "title_bigrams")


def _candidates_first(
    clauses: list[tuple[str, str, str]],
    frequencies,
    *,
    fields: tuple[str, ...] = CANDIDATE_FIELDS,
    minimum: int = MIN_REQUIRED_CLAUSES,
) -> str:
    """``clauses`` are (field, term, clause text); those of ``fields`` may choose candidates."""
    if frequencies.document_count <= CANDIDATE_BUDGET:  # no more candidates than that anyway
        return " OR ".join(clause for _field, _word, clause in clauses)
    sized = sorted(
        (frequencies.of(field, word) or 0, position)
        for position, (field, word, _clause_text) in enumerate(clauses)
        if field in fields and frequencies.of(field, word) != 0
    )
    required, total = set(), 0
    for count, position in sized:
        if len(required) < minimum or total + count <= CANDIDATE_BUDGET:
            required.add(position)
            total += count
    if not required:  # no title-side clause (a title of stop words and body words): the plain OR
        return " OR ".join(clause for _field, _word, clause in clauses)
    chosen = " OR ".join(clause for position, (_f, _w, clause) in enumerate(clauses) if position in required)
    rest = " OR ".join(clause for position, (_f, _w, clause) in enumerate(clauses) if position not in required)
    # Whoosh's syntax: only Wendao's Whoosh backend gives frequencies, so no other engine sees it.
    return f"({chosen}) ANDMAYBE ({rest})" if rest else chosen


def baseline_query_string(title: str, body: str = "") -> str:
    """The plain keyword baseline of the evaluation: BM25 over the same words in one field, no
    boosts, no n-grams."""
    words = query_words(clean_query(title).text)
    words += [w for w in query_words(body[:2000]) if w not in words][:MAX_SIMILAR_BODY_WORDS]
    return " OR ".join(_clause("text", w) for w in words if w not in STOP_WORDS)


def has_chinese(text: str) -> bool:
    return bool(CJK.search(text))

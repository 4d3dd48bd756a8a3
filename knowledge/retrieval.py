"""Find the published articles that answer a question, fast, in Chinese and English.

A lean in-process index rather than a search server: the bot answer API must answer in a few
milliseconds, and a knowledge base is small (thousands to tens of thousands of articles) and
changes rarely. Each process keeps BM25 postings over the tokens of every article's title and
alternative phrasings, per product. Tokens are computed once at publish time (``article_tokens``,
stored in ``Article.search_tokens``), so building the index only splits strings.

Freshness: every publish, retire or reinstate sets a new random *generation* token in the shared
cache (``bump_generation``). Each query reads that token (one cache round trip); when it differs
from the one the process built with, the process folds in the articles changed since its
watermark. A missing token (cache flushed) makes the process rebuild from scratch.

Confidence: BM25 only *ranks* candidates; the confidence in [0, 1] compares the query with the
best-matching single phrasing of the article: 0.7 × the idf-weighted share of the query's words
the phrasing contains + 0.3 × the share of the phrasing's words the query contains. A question
asked exactly as a phrasing gives 1.0; one that shares only a common word gives little.
"""

import heapq
import math
import re
import threading
import unicodedata
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import jieba
from django.core.cache import cache
from django.utils import timezone

GENERATION_KEY = "wendao:kb:index-generation"
PHRASE_SEPARATOR = " | "
# BM25 constants, the usual values (Robertson & Zaragoza 2009).
K1 = 1.2
B = 0.75
# Confidence weighs how much of the *question* a phrasing covers above how much of the phrasing
# the question covers: "reset router" fully answered by "how to reset the router to factory
# settings" is a good match even though the phrasing says more.
QUERY_COVER_WEIGHT = 0.7
# A word found in more than this share of a product's articles (and at least this many) is
# "common": it refines the ranking of what rarer words found but never widens the search.
COMMON_TERM_SHARE = 0.02
COMMON_TERM_MIN_DF = 200
# How far back an incremental refresh looks before its watermark: covers transactions that
# committed a little after the timestamps they wrote.
REFRESH_SLACK = timedelta(seconds=120)

# Words that say nothing about what is asked, in both languages. Kept short on purpose: a
# product's vocabulary ("reset", "password", "重置") must never be dropped.
STOPWORDS = frozenset(
    """a an the is are was were be been am do does did doing how what why when where which who whom
    can could should would will shall may might must i me my we our you your he she it its they them
    their this that these those to of in on at by for with from about into over after before and or
    not no if then so than too very just there here have has had get got please help any some
    t s d ll m re ve don doesn didn isn aren wasn won
    的 了 吗 呢 吧 啊 是 在 我 你 他 她 它 我们 你们 怎么 怎样 如何 什么 为什么 哪里 哪 有 没有 和 与 或 请问 请 一下
    一个 这个 那个 这 那 都 也 就 还 要 会 能 可以 把 被 给 让 对 从 到 上 下 中 里""".split()  # noqa: SIM905
)
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CHUNKS = re.compile(rf"[{_CJK}]+|[0-9a-z]+(?:[.+#_-][0-9a-z]+)*")
_CJK_RUN = re.compile(rf"^[{_CJK}]+$")

jieba.setLogLevel(60)  # jieba prints its dictionary loading to stderr otherwise
_jieba_ready = threading.Lock()


def _stem(word: str) -> str:
    """A very light English stemmer: plurals and -ing/-ed, enough to match "resets"/"reset"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed English words and jieba-segmented Chinese words, stopwords dropped."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    tokens: list[str] = []
    for chunk in _CHUNKS.findall(text):
        if _CJK_RUN.match(chunk):
            # Search mode also yields the parts of long words ("路由器" → "路由", "路由器"), so a
            # query that segments differently still shares tokens with the article.
            words = jieba.lcut_for_search(chunk, HMM=True)
            tokens.extend(w for w in words if w not in STOPWORDS)
        elif chunk not in STOPWORDS:
            tokens.append(_stem(chunk))
    return tokens


def article_tokens(phrasings: list[str]) -> str:
    """What ``Article.search_tokens`` stores: each phrasing's tokens, phrasings separated."""
    return PHRASE_SEPARATOR.join(" ".join(tokenize(p)) for p in phrasings if p.strip())


def similarity(a: list[str] | set[str] | frozenset[str], b: list[str] | set[str] | frozenset[str]) -> float:
    """Jaccard overlap of two token sets, for grouping similar bot misses. Sets are used as they
    are and the union is counted, not built: a bot miss is compared with up to
    ``MISS_GROUP_WINDOW`` groups on every question."""
    a = a if isinstance(a, set | frozenset) else set(a)
    b = b if isinstance(b, set | frozenset) else set(b)
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared) if shared else 0.0


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_DIGITS = re.compile(r"(?:\+?\d[\d\s-]{5,}\d)|\d{4,}")


def anonymise(text: str) -> str:
    """Drop what could identify a person before a query is stored: e-mail addresses, links,
    phone, order and card numbers (any run of 4+ digits). Product words and versions stay."""
    text = _EMAIL.sub("<email>", text)
    text = _URL.sub("<url>", text)
    text = _DIGITS.sub("<number>", text)
    return " ".join(text.split())[:300]


@dataclass
class _Doc:
    product_id: int
    locale: str
    length: int
    tf: Counter
    phrasings: list[frozenset[str]]
    card: "Card | None" = None


@dataclass(frozen=True)
class Card:
    """What the bot answers with, kept in the index so answering needs no database read."""

    article_id: int
    version: int
    title: str
    slug: str
    answer_markdown: str
    answer_text: str
    product: str
    locale: str
    updated_at: object


@dataclass
class _ProductIndex:
    docs: dict[int, _Doc] = field(default_factory=dict)
    postings: dict[str, dict[int, int]] = field(default_factory=dict)
    total_length: int = 0
    # idf (and each phrasing's idf total) only change when documents come or go; cached between.
    _idf: dict[str, float] = field(default_factory=dict)
    _phrase_totals: dict[frozenset, float] = field(default_factory=dict)
    _norms: dict[int, float] | None = None

    def add(self, article_id: int, doc: _Doc) -> None:
        self._idf.clear()
        self._phrase_totals.clear()
        self._norms = None
        self.docs[article_id] = doc
        self.total_length += doc.length
        for term, count in doc.tf.items():
            self.postings.setdefault(term, {})[article_id] = count

    def remove(self, article_id: int) -> None:
        doc = self.docs.pop(article_id, None)
        if doc is None:
            return
        self._idf.clear()
        self._phrase_totals.clear()
        self._norms = None
        self.total_length -= doc.length
        for term in doc.tf:
            posting = self.postings.get(term)
            if posting is not None:
                posting.pop(article_id, None)
                if not posting:
                    del self.postings[term]

    def idf(self, term: str) -> float:
        value = self._idf.get(term)
        if value is None:
            n = len(self.docs)
            df = len(self.postings.get(term, ()))
            value = self._idf[term] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return value

    def length_norms(self) -> dict[int, float]:
        """BM25's length normalisation ``K1 * (1 - B + B * length / average)`` per article."""
        if self._norms is None:
            average = self.total_length / len(self.docs)
            self._norms = {a: K1 * (1 - B + B * doc.length / average) for a, doc in self.docs.items()}
        return self._norms

    def phrase_total(self, phrase: frozenset) -> float:
        value = self._phrase_totals.get(phrase)
        if value is None:
            value = self._phrase_totals[phrase] = sum(self.idf(t) for t in phrase)
        return value


@dataclass
class Hit:
    article_id: int
    confidence: float
    score: float
    card: Card | None = None


def _doc_from_tokens(product_id: int, locale: str, search_tokens: str) -> _Doc:
    phrasings = [p.split() for p in search_tokens.split(PHRASE_SEPARATOR.strip()) if p.strip()]
    tf: Counter = Counter()
    for phrase in phrasings:
        tf.update(phrase)
    return _Doc(
        product_id=product_id,
        locale=locale,
        length=sum(tf.values()),
        tf=tf,
        phrasings=[frozenset(p) for p in phrasings],
    )


class ArticleIndex:
    """The per-process index of published articles, refreshed on demand (see module doc)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._products: dict[int, _ProductIndex] = {}
        self._where: dict[int, int] = {}  # article id -> product id
        self._generation: str | None = None
        self._watermark = None

    # -- freshness ------------------------------------------------------------------------
    def ensure_fresh(self) -> None:
        generation = cache.get(GENERATION_KEY)
        if generation is not None and generation == self._generation:
            return
        with self._lock:
            generation = cache.get(GENERATION_KEY)
            if generation is None:
                generation = uuid.uuid4().hex
                cache.set(GENERATION_KEY, generation, None)
                self._rebuild()
            elif generation != self._generation:
                if self._watermark is None:
                    self._rebuild()
                else:
                    self._refresh()
            self._generation = generation

    def _load(self, queryset) -> None:
        from .models import ArticleStatus

        fields = ["pk", "product_id", "locale", "status", "search_tokens", "updated_at"]
        fields += ["version", "title", "slug", "answer_markdown", "answer_text", "product__slug"]
        for row in queryset.values_list(*fields).iterator(chunk_size=2000):
            pk, product_id, locale, status, tokens, updated_at, version, title, slug, markdown, text, product = row
            self._remove(pk)
            if status == ArticleStatus.PUBLISHED and tokens:
                doc = _doc_from_tokens(product_id, locale, tokens)
                doc.card = Card(pk, version, title, slug, markdown, text, product, locale, updated_at)
                self._products.setdefault(product_id, _ProductIndex()).add(pk, doc)
                self._where[pk] = product_id
            if self._watermark is None or updated_at > self._watermark:
                self._watermark = updated_at

    def _remove(self, article_id: int) -> None:
        product_id = self._where.pop(article_id, None)
        if product_id is not None:
            self._products[product_id].remove(article_id)

    def _rebuild(self) -> None:
        from .models import Article, ArticleStatus

        self._products, self._where, self._watermark = {}, {}, None
        started = timezone.now()
        self._load(Article.objects.filter(status=ArticleStatus.PUBLISHED))
        self._watermark = self._watermark or started

    def _refresh(self) -> None:
        from .models import Article

        self._load(Article.objects.filter(updated_at__gte=self._watermark - REFRESH_SLACK))

    def clear(self) -> None:
        with self._lock:
            self._products, self._where, self._generation, self._watermark = {}, {}, None, None

    def __len__(self) -> int:
        return len(self._where)

    # -- search ---------------------------------------------------------------------------
    def search(
        self, query: str, *, product_id: int | None = None, locale: str | None = None, limit: int = 3
    ) -> list[Hit]:
        self.ensure_fresh()
        terms = tokenize(query)
        if not terms:
            return []
        if product_id is not None:
            indexes = [self._products[product_id]] if product_id in self._products else []
        else:
            indexes = list(self._products.values())
        hits: list[Hit] = []
        for index in indexes:
            hits.extend(self._search_one(index, terms, locale, limit))
        hits.sort(key=lambda h: (-h.confidence, -h.score, h.article_id))
        return hits[:limit]

    def _search_one(self, index: _ProductIndex, terms: list[str], locale: str | None, limit: int) -> list[Hit]:
        n = len(index.docs)
        if not n:
            return []
        query_terms = Counter(terms)
        idf = {term: index.idf(term) for term in query_terms}
        norms = index.length_norms()
        scores: dict[int, float] = {}
        # Rarest words first. A word that is in a large share of the articles ("not working",
        # "问题") only re-scores the articles rarer words already found instead of walking its
        # whole posting list: the usual pruning, and what keeps a query in a few milliseconds.
        common = max(COMMON_TERM_MIN_DF, int(n * COMMON_TERM_SHARE))
        for term in sorted(query_terms, key=lambda t: len(index.postings.get(t, ()))):
            posting = index.postings.get(term)
            if not posting:
                continue
            weight = idf[term] * query_terms[term] * (K1 + 1)
            if len(posting) > common and scores:
                for article_id in scores:
                    tf = posting.get(article_id)
                    if tf:
                        scores[article_id] += weight * tf / (tf + norms[article_id])
            else:
                for article_id, tf in posting.items():
                    scores[article_id] = scores.get(article_id, 0.0) + weight * tf / (tf + norms[article_id])
        if locale:
            scores = {a: s for a, s in scores.items() if index.docs[a].locale == locale}
        # Confidence is costlier than BM25, so only the best few by BM25 are scored for it.
        shortlist = heapq.nlargest(max(limit * 4, 12), scores.items(), key=lambda item: (item[1], -item[0]))
        # A query word no article uses weighs as much as the rarest word there is: a question
        # about something the knowledge base never mentions must not look well answered.
        unseen_idf = math.log(1 + (n + 0.5) / 0.5)
        query_weights = {t: idf[t] if t in index.postings else unseen_idf for t in query_terms}
        query_total = sum(query_weights.values())
        hits = []
        for article_id, score in shortlist:
            best = 0.0
            for phrase in index.docs[article_id].phrasings:
                shared = [t for t in query_terms if t in phrase]
                if not shared:
                    continue
                phrase_total = index.phrase_total(phrase)
                query_cover = sum(query_weights[t] for t in shared) / query_total
                phrase_cover = sum(index.idf(t) for t in shared) / phrase_total if phrase_total else 0.0
                best = max(best, QUERY_COVER_WEIGHT * query_cover + (1 - QUERY_COVER_WEIGHT) * phrase_cover)
            hits.append(
                Hit(
                    article_id=article_id,
                    confidence=round(min(1.0, best), 4),
                    score=score,
                    card=index.docs[article_id].card,
                )
            )
        return hits


INDEX = ArticleIndex()


def bump_generation() -> None:
    """Tell every process that published articles changed (called on commit of a change)."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)

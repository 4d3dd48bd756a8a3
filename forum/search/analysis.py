"""How Wendao cuts text into search terms, in Chinese and English alike.

Two analyzers, used by the index (``forum/search_indexes.py``), by the query builder and by the
highlighter, so that a word is cut the same way wherever it is looked at:

``text_analyzer``
    jieba segments Chinese into words; English and other Latin-script words are lower-cased,
    stop words dropped and Porter-stemmed (so "resetting" finds "reset"). Unlike jieba's own
    ``ChineseAnalyzer`` it numbers tokens by word, not by character, so phrase queries
    ("恢复出厂设置", "factory reset") work; in index mode long Chinese words also index the
    dictionary words inside them (中华人民共和国 → 中华, 人民, 共和国) at the same position, so a
    shorter query word still finds them, as jieba's "search" mode does.

``cjk_bigram_analyzer``
    Overlapping pairs of Chinese characters (路由器 → 路由, 由器), English words as above. It
    catches what segmentation misses: product names and jargon that are not in jieba's
    dictionary are cut differently in a question and in its duplicate, but share their bigrams.
"""

import re
import unicodedata
from functools import lru_cache

import jieba
from whoosh.analysis import LowercaseFilter, StemFilter, Token, Tokenizer
from whoosh.analysis.filters import STOP_WORDS as ENGLISH_STOP_WORDS
from whoosh.lang.porter2 import stem

# Words so common in questions that they say nothing about the topic. English from Whoosh;
# Chinese: particles, pronouns and the question words every question has.
_CHINESE_STOP_WORDS = (
    "的 了 和 是 吗 呢 吧 啊 呀 在 我 我们 你 你们 他 她 它 这 那 这个 那个 就 也 都 还 与 及 或 被 把 给 让 "
    "请问 一下 一个 有没有 是不是 可以 能 会 要 想 怎么 怎么样 怎样 如何 为什么 什么 哪里 哪个"
)
CHINESE_STOP_WORDS = frozenset(_CHINESE_STOP_WORDS.split())
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | CHINESE_STOP_WORDS | {"how", "what", "why", "do", "does", "i", "my"}

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# A "word" outside Chinese: letters and digits, with inner dots, pluses, hashes or hyphens kept
# together the way product names and versions are written (wi-fi, v2.1, c++, c#).
LATIN_WORD = re.compile(r"[^\W_]+(?:[.\-][^\W_]+)*[+#]*", re.UNICODE)

# jieba loads its dictionary on first use (about a second); keep its chatter out of the logs.
jieba.setLogLevel(60)


def normalise(text: str) -> str:
    """Full-width letters and digits to ASCII (ＷＩＦＩ → WIFI), as Chinese keyboards type them."""
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=1)
def _dictionary() -> dict:
    jieba.initialize()
    return jieba.dt.FREQ


def _inner_words(word: str) -> list[str]:
    """The dictionary words of two or three characters inside a longer Chinese word."""
    freq = _dictionary()
    found = []
    for size in (2, 3):
        if len(word) > size:
            for i in range(len(word) - size + 1):
                part = word[i : i + size]
                if freq.get(part):
                    found.append(part)
    return found


class WordTokenizer(Tokenizer):
    """jieba for Chinese, a word pattern for everything else; positions count words."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        value = normalise(value)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        pos = start_pos
        for word, start, end in _words(value):
            # Stop words are dropped here, before numbering, so that "reset the router" and
            # "reset router" are the same phrase and a long word's inner words share its place.
            if removestops and word.lower() in STOP_WORDS:
                continue
            for text, is_inner in [(word, False)] + (
                [(w, True) for w in _inner_words(word)] if mode == "index" and CJK.match(word) else []
            ):
                token.text = text
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = text
                if positions:
                    token.pos = pos
                if chars:
                    if is_inner:
                        offset = word.find(text)
                        token.startchar, token.endchar = (
                            start_char + start + offset,
                            start_char + start + offset + len(text),
                        )
                    else:
                        token.startchar, token.endchar = start_char + start, start_char + end
                yield token
            pos += 1


def _words(text: str):
    """(word, start, end) for every Chinese word (by jieba) and every other word (by pattern)."""
    last = 0
    for run in CJK_RUN.finditer(text):
        yield from _latin_words(text, last, run.start())
        offset = run.start()
        for word, start, end in jieba.tokenize(run.group(), HMM=True):
            yield word, offset + start, offset + end
        last = run.end()
    yield from _latin_words(text, last, len(text))


def _latin_words(text: str, start: int, end: int):
    for match in LATIN_WORD.finditer(text, start, end):
        yield match.group(), match.start(), match.end()


class CjkBigramTokenizer(Tokenizer):
    """Overlapping Chinese character pairs (a lone character stays itself); other words whole."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        value = normalise(value)
        pos = start_pos
        for text, start, end in _bigrams(value) if tokenize else [(value, 0, len(value))]:
            if removestops and text.lower() in STOP_WORDS:
                continue
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token
            pos += 1


def _bigrams(text: str):
    last = 0
    for run in CJK_RUN.finditer(text):
        yield from _latin_words(text, last, run.start())
        chars, offset = run.group(), run.start()
        if len(chars) == 1:
            yield chars, offset, offset + 1
        for i in range(len(chars) - 1):
            yield chars[i : i + 2], offset + i, offset + i + 2
        last = run.end()
    yield from _latin_words(text, last, len(text))


# Porter2 rather than Whoosh's default Porter: it stems "resetting" to "reset", not "resett".
def text_analyzer():
    return WordTokenizer() | LowercaseFilter() | StemFilter(stem)


def cjk_bigram_analyzer():
    return CjkBigramTokenizer() | LowercaseFilter() | StemFilter(stem)


@lru_cache(maxsize=1)
def _text_analyzer():
    return text_analyzer()


@lru_cache(maxsize=1)
def _bigram_analyzer():
    return cjk_bigram_analyzer()


def query_words(text: str) -> list[str]:
    """The distinct words of ``text`` as a query sends them (lower-cased, not stemmed: the field's
    analyzer stems them again), stop words left out, in order of first appearance."""
    seen: dict[str, None] = {}
    for word, _start, _end in _words(normalise(text)):
        word = word.lower()
        if word not in STOP_WORDS and not word.isspace():
            seen.setdefault(word, None)
    return list(seen)


def terms(text: str) -> list[str]:
    """The indexed terms of ``text`` (stemmed), as the index stores them."""
    return [token.text for token in _text_analyzer()(text, mode="query")]


def bigrams(text: str) -> list[str]:
    """The distinct Chinese bigrams of ``text`` (no Latin words), for the n-gram fields."""
    seen: dict[str, None] = {}
    for token in _bigram_analyzer()(text, mode="query"):
        if CJK.match(token.text):
            seen.setdefault(token.text, None)
    return list(seen)

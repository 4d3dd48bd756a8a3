"""The query builder's strings read directly give the query Whoosh's parser gives."""

from pathlib import Path

import pytest
from haystack import connections

from forum.search import parsing
from forum.search import query as q
from forum.search.evaluation import load_pairs, throwaway_index

PAIRS = Path(__file__).resolve().parent.parent / "data" / "zh_question_pairs.tsv"
TITLES = [
    "How do I reset the router to factory settings?",
    'reset "factory settings" -wifi -camera',
    '"恢复 出厂" 路由器 -密码',
    "Impossible to use extended keys with cardano-cli transaction build --required-signer flag",
    "wi-fi c++ c# v2.1 ＷＩＦＩ 密码",
    "the a of",
    "AND OR NOT ANDMAYBE",
]


@pytest.fixture(scope="module")
def backend():
    with throwaway_index() as alias:
        found = connections[alias].get_backend()
        found.setup()
        yield found


def _strings():
    titles = TITLES + sorted({item.title for item in load_pairs(PAIRS).items.values()})
    # Large-index frequencies: the candidates-first forms (ANDMAYBE) are written too.
    frequencies = q.Frequencies(document_frequency=lambda field, term: len(term) * 7, document_count=100_000)
    for title in titles:
        query = q.clean_query(title)
        if not query.is_empty:
            yield q.search_query_string(query)
            yield q.search_query_string(query, match_all=False)
            yield q.search_query_string(query, match_all=False, frequencies=frequencies)
        yield q.similar_query_string(title)
        yield q.similar_query_string(title, frequencies=frequencies)
        yield q.baseline_query_string(title)


def test_the_query_builders_strings_read_as_whoosh_reads_them(backend):
    read = 0
    for text in filter(None, _strings()):
        fast = parsing.parse(text, backend.schema)
        assert fast is not None, text
        expected = backend.parser.parse(text)
        assert fast == expected and repr(fast) == repr(expected), text
        read += 1
    assert read > 300


@pytest.mark.parametrize(
    "text",
    [
        'product_id:(3) AND text:("reset")',  # haystack's filters: Whoosh's parser
        'text:("reset") AND text:("a") OR text:("b")',  # two kinds of operator on one level
        "text:reset",
        'nofield:("reset")',
        'text:("reset"',
        'text:("reset")^abc',
        "router*",
        "",
    ],
)
def test_other_syntax_is_left_to_whoosh(backend, text):
    assert parsing.parse(text, backend.schema) is None

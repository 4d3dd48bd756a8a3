"""How text is cut into terms and how what people type becomes a safe query."""

from forum.search import analysis
from forum.search.highlight import mark_all, snippet, terms_of
from forum.search.query import MAX_QUERY_CHARS, clean_query, search_query_string, similar_query_string


def test_chinese_is_segmented_and_english_stemmed():
    assert analysis.terms("路由器怎么恢复出厂设置") == ["路由器", "恢复", "出厂", "设置"]
    assert analysis.terms("Resetting routers") == ["reset", "router"]


def test_full_width_letters_match_ascii():
    assert analysis.terms("ＷＩＦＩ") == analysis.terms("wifi")


def test_positions_count_words_so_phrases_work():
    tokens = [(t.text, t.pos) for t in analysis.text_analyzer()("reset the router", positions=True)]
    assert tokens == [("reset", 0), ("router", 1)]


def test_index_mode_adds_inner_words_at_the_same_position():
    tokens = [(t.text, t.pos) for t in analysis.text_analyzer()("中华人民共和国", positions=True, mode="index")]
    assert ("中华人民共和国", 0) in tokens and ("共和国", 0) in tokens
    assert [t.text for t in analysis.text_analyzer()("中华人民共和国", mode="query")] == ["中华人民共和国"]


def test_bigrams_cover_chinese_only():
    assert analysis.bigrams("路由器 reset") == ["路由", "由器"]


def test_operators_alone_leave_nothing_to_search():
    for text in ("AND OR NOT", "AND", "NOT NOT", "OR OR OR", "the of and"):
        assert clean_query(text).is_empty, text


def test_syntax_characters_are_dropped_and_words_kept():
    query = clean_query('title:(router AND "reset* ~2 ^3 [a TO b] {x} \\ /')
    assert query.words == ["title", "router", "reset", "2", "3", "b", "x"]
    assert '"' not in "".join(query.words)


def test_balanced_quotes_make_phrases_and_unbalanced_ones_are_dropped():
    query = clean_query('"factory reset" router "unclosed')
    assert query.phrases == [["factory", "reset"]]
    assert query.words == ["router", "unclosed"]
    assert clean_query("“恢复 出厂”").phrases == [["恢复", "出厂"]]


def test_minus_excludes_a_word():
    query = clean_query("router -wifi")
    assert query.words == ["router"] and query.excluded == ["wifi"]
    assert "NOT" in search_query_string(query)


def test_long_queries_are_cut_and_flagged():
    query = clean_query("router " * 2000)
    assert query.truncated and len(query.text) <= MAX_QUERY_CHARS
    assert query.words == ["router"]


def test_control_characters_and_non_strings_are_harmless():
    assert clean_query("rou\x00ter\u202e\x1b[31m").words == ["rou", "ter", "31m"]
    assert clean_query(None).is_empty
    assert clean_query(12345).words == ["12345"]


def test_every_word_is_quoted_in_the_engine_query():
    text = search_query_string(clean_query("c++ wi-fi 路由器"))
    assert 'text:("c++")' in text and 'text:("wi-fi")' in text and 'title:("路由器")^3' in text


def test_similar_query_asks_title_and_text_and_adds_bigrams_and_synonyms():
    text = similar_query_string("路由器怎么重置")
    assert 'title:("路由器")' in text and 'text:("路由器")' in text
    assert 'title_bigrams:("路由")^0.5' in text
    assert 'title:("复位")^2' in text  # a synonym of 重置
    assert similar_query_string("") == ""


def test_snippets_mark_chinese_and_english_and_escape_html():
    text = "按住 reset 键十秒就能恢复出厂设置。<script>alert(1)</script> Resetting works."
    html = snippet(text, terms_of("恢复出厂设置 resetting"))
    assert '<mark class="match term0">reset</mark>' in html
    assert ">恢复</mark>" in html and ">设置</mark>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_snippet_without_a_match_is_the_escaped_beginning():
    assert snippet("<b>hello</b> world", set()) == "&lt;b&gt;hello&lt;/b&gt; world"
    assert mark_all("a <i>router</i>", terms_of("router")).count("<mark") == 1


def test_boosts_survive_the_whoosh_parser(search_index):
    parsed = search_index.parser.parse(search_query_string(clean_query("router")))
    boosts = {(term.fieldname, term.boost) for term in parsed.leaves()}
    assert ("title", 3.0) in boosts and ("text", 1.0) in boosts

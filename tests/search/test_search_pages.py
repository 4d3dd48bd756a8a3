"""The search page, its JSON twin and what they show, through real HTTP."""

import json
from pathlib import Path

import pytest
from django.urls import reverse

from forum import services
from tests.factories import TagFactory, make_answer, make_question

BLNS = Path(__file__).resolve().parent.parent / "data" / "blns.json"


@pytest.fixture
def corpus(search_index, committed, product, other_product, alice, bob, erin):
    """A few questions in both languages, answered or not, in two products."""
    zh = committed(
        make_question,
        author=alice,
        product=product,
        title="路由器怎么恢复出厂设置",
        body="指示灯一直闪红色，按了很多次都没有反应。",
        tags=["reset"],
    )
    en = committed(
        make_question,
        author=bob,
        product=product,
        title="How do I reset the router to factory settings?",
        body="The light blinks red and the admin page does not load.",
        tags=["reset", "setup"],
    )
    answer = committed(make_answer, question=en, author=erin, body="Hold the **pinhole button** for ten seconds.")
    committed(services.answer_accept, user=bob, answer=answer)
    cam = committed(
        make_question,
        author=bob,
        product=other_product,
        title="Camera night vision is black and white",
        body="At night the router room camera only shows grey pictures.",
    )
    return {"zh": zh, "en": en, "cam": cam, "answer": answer}


def _titles(response) -> list[str]:
    return [q.title for q in response.context["results"].questions]


def test_chinese_search_finds_and_marks_chinese(client, corpus):
    response = client.get(reverse("forum:search"), {"q": "恢复出厂设置"})
    assert response.status_code == 200
    assert _titles(response) == ["路由器怎么恢复出厂设置"]
    html = response.content.decode()
    assert "<mark" in html and ">恢复</mark>" in html


def test_english_search_stems_and_marks_answer_text(client, corpus):
    response = client.get(reverse("forum:search"), {"q": "pinhole buttons"})
    assert _titles(response) == ["How do I reset the router to factory settings?"]
    assert '<mark class="match term0">pinhole</mark>' in response.context["results"].questions[0].snippet


def test_search_box_is_on_every_page(client, corpus):
    for url in (reverse("forum:home"), corpus["en"].get_absolute_url(), reverse("forum:search")):
        assert 'role="search"' in client.get(url).content.decode()


def test_deleted_questions_and_answers_never_show(client, corpus, erin, committed):
    committed(services.post_delete, user=erin, post=corpus["answer"])
    response = client.get(reverse("forum:search"), {"q": "pinhole"})
    assert _titles(response) == []
    committed(services.post_delete, user=erin, post=corpus["zh"])
    assert _titles(client.get(reverse("forum:search"), {"q": "恢复出厂设置"})) == []
    committed(services.post_undelete, user=erin, post=corpus["zh"])
    assert _titles(client.get(reverse("forum:search"), {"q": "恢复出厂设置"})) == ["路由器怎么恢复出厂设置"]


def test_a_stale_index_still_never_shows_deleted_rows(client, corpus, bob):
    # Deleted without running the on-commit re-index: the page checks the database.
    services.post_delete(user=bob, post=corpus["cam"])
    assert "Camera night vision is black and white" not in _titles(client.get(reverse("forum:search"), {"q": "camera"}))


def test_filters_by_product_tag_and_answer_status(client, corpus, product, other_product):
    url = reverse("forum:search")
    assert set(_titles(client.get(url, {"q": "router"}))) == {
        "How do I reset the router to factory settings?",
        "Camera night vision is black and white",
    }
    assert _titles(client.get(url, {"q": "router", "product": other_product.slug})) == [
        "Camera night vision is black and white"
    ]
    assert _titles(client.get(url, {"q": "router", "tag": "setup"})) == [
        "How do I reset the router to factory settings?"
    ]
    assert _titles(client.get(url, {"q": "router", "status": "accepted"})) == [
        "How do I reset the router to factory settings?"
    ]
    assert _titles(client.get(url, {"q": "router", "status": "unanswered"})) == [
        "Camera night vision is black and white"
    ]
    assert set(_titles(client.get(url, {"q": "router", "status": "answered"}))) == {
        "How do I reset the router to factory settings?"
    }


def test_tags_with_symbols_filter_exactly(client, search_index, committed, product, alice):
    TagFactory(product=product, name="c++")
    committed(make_question, author=alice, product=product, title="Compile the router SDK", tags=["c++"])
    committed(make_question, author=alice, product=product, title="Compile the router firmware")
    assert _titles(client.get(reverse("forum:search"), {"q": "compile", "tag": "c++"})) == ["Compile the router SDK"]


def test_sorts_by_newest_and_by_score(client, search_index, committed, product, alice, bob):
    first = committed(make_question, author=alice, product=product, title="Router question one about firmware")
    second = committed(make_question, author=alice, product=product, title="Router question two about firmware")
    committed(services.vote_cast, voter=bob, post=first, value=1)
    url = reverse("forum:search")
    assert _titles(client.get(url, {"q": "firmware", "sort": "newest"})) == [second.title, first.title]
    assert _titles(client.get(url, {"q": "firmware", "sort": "score"})) == [first.title, second.title]


def test_pagination_keeps_the_query_and_filters(client, search_index, committed, product, alice):
    for n in range(23):
        committed(make_question, author=alice, product=product, title=f"Firmware update number {n} fails")
    url = reverse("forum:search")
    first = client.get(url, {"q": "firmware", "sort": "newest"})
    assert len(_titles(first)) == 20 and first.context["results"].page.paginator.count == 23
    assert "page=2" in first.content.decode() and "sort=newest" in first.content.decode()
    second = client.get(url, {"q": "firmware", "sort": "newest", "page": 2})
    assert len(_titles(second)) == 3
    assert set(_titles(first)).isdisjoint(_titles(second))
    assert client.get(url, {"q": "firmware", "page": "abc"}).status_code == 200
    assert client.get(url, {"q": "firmware", "page": "999"}).status_code == 200


def test_some_words_when_no_question_has_them_all(client, corpus):
    response = client.get(reverse("forum:search"), {"q": "router zebra"})
    assert response.context["results"].matched_all_words is False
    assert "some of them" in response.content.decode()
    assert _titles(response)


def test_the_results_page_has_no_n_plus_one(
    client, search_index, committed, product, alice, bob, django_assert_max_num_queries
):
    for n in range(12):
        question = committed(make_question, author=alice, product=product, title=f"Router firmware {n}", tags=["fw"])
        committed(make_answer, question=question, author=bob, body=f"Answer about firmware number {n}.")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("forum:search"), {"q": "firmware"})
    assert len(_titles(response)) == 12


def test_json_endpoint(client, corpus, product):
    response = client.get(reverse("forum:search_json"), {"q": "reset", "product": product.slug})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = response.json()
    assert data["count"] == 2 and data["page"] == 1 and data["num_pages"] == 1
    assert {r["title"] for r in data["results"]} == {
        "路由器怎么恢复出厂设置",
        "How do I reset the router to factory settings?",
    }
    result = next(r for r in data["results"] if r["id"] == corpus["en"].pk)
    assert result["has_accepted_answer"] is True and result["tags"] == ["reset", "setup"]
    assert result["url"].endswith(corpus["en"].get_absolute_url()) and result["product"] == product.slug
    assert "恢复出厂设置" in response.content.decode()  # not \\u-escaped


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": ""}, "Type something"),
        ({"q": "AND OR NOT"}, "too common"),
        ({"q": "router", "product": "nope"}, "no product"),
        ({"q": "router", "status": "maybe"}, "Status must be"),
        ({"q": "router", "sort": "random"}, "Sort must be"),
    ],
)
def test_json_endpoint_refuses_bad_input_with_a_message(client, search_index, params, message):
    response = client.get(reverse("forum:search_json"), params)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_empty_and_operator_only_queries_get_a_message_on_the_page(client, search_index):
    assert client.get(reverse("forum:search")).status_code == 200
    response = client.get(reverse("forum:search"), {"q": "AND OR NOT"})
    assert response.status_code == 200 and "too common" in response.content.decode()


SYNTAX_ERRORS = [
    "title:(",
    "AND",
    "OR",
    "NOT",
    "AND OR NOT",
    '"',
    '"unbalanced',
    'a"b"c"',
    "((((",
    "))",
    "[a TO",
    "{x TO y]",
    "*",
    "?",
    "*:*",
    "router~",
    "router^",
    "^3",
    "router^abc",
    "\\",
    "text:",
    ":",
    "-",
    "--",
    "- -",
    "+",
    "!!",
    "django_ct:forum.post",
    "id:forum.post.1",
    "'",
    "'''",
    "a'b",
    "/regex/",
    "NOT router",
    "router NOT",
    "title:router AND body:",
    "路由器 AND",
    "“未闭合",
    "「",
    "AND AND AND router",
    "x" * 10_000,
    "路由器" * 4000,
]


@pytest.mark.parametrize("text", SYNTAX_ERRORS)
def test_syntax_errors_never_fail(client, corpus, text):
    page = client.get(reverse("forum:search"), {"q": text})
    assert page.status_code == 200
    assert client.get(reverse("forum:search_json"), {"q": text}).status_code in (200, 400)


def test_ten_kilobyte_query_is_cut_with_a_message(client, corpus):
    response = client.get(reverse("forum:search"), {"q": "router " * 1500})
    assert response.status_code == 200
    assert "shortened" in response.content.decode()
    assert "How do I reset the router to factory settings?" in _titles(response)


def test_every_naughty_string_gets_results_or_a_message(client, corpus):
    strings = json.loads(BLNS.read_text(encoding="utf-8"))
    assert len(strings) > 500
    for text in strings:
        page = client.get(reverse("forum:search"), {"q": text, "sort": text[:20], "status": text[:20]})
        # 400 only for a NUL, which the site's middleware refuses in any request.
        assert page.status_code == (400 if "\x00" in text else 200), text
        api = client.get(reverse("forum:search_json"), {"q": text})
        assert api.status_code in (200, 400), text
        if api.status_code == 400:
            assert api.json()["error"]


def test_a_broken_index_is_a_message_not_a_500(client, corpus, monkeypatch):
    from forum.search import backend

    def broken(self, *args, **kwargs):
        raise OSError("index files are gone")

    monkeypatch.setattr(backend.WendaoWhooshBackend, "search", broken)
    response = client.get(reverse("forum:search"), {"q": "router"})
    assert response.status_code == 503 and "unavailable" in response.content.decode()
    assert client.get(reverse("forum:search_json"), {"q": "router"}).status_code == 503


def test_hidden_posts_leave_results_and_snippets_until_review(client, corpus, erin, committed, settings):
    from forum import moderation
    from forum.models import FlagReason
    from tests.factories import UserFactory

    settings.WENDAO_FLAGS_TO_HIDE = 2
    for name in ("flagger1", "flagger2"):
        committed(moderation.post_flag, user=UserFactory(username=name), post=corpus["answer"], reason=FlagReason.SPAM)
    assert _titles(client.get(reverse("forum:search"), {"q": "pinhole"})) == []
    committed(moderation.flag_resolve, moderator=erin, post=corpus["answer"], outcome="decline")
    assert _titles(client.get(reverse("forum:search"), {"q": "pinhole"})) == [corpus["en"].title]


def test_results_are_kept_for_anonymous_readers_and_a_deletion_retires_them(
    client, corpus, alice_client, bob, committed
):
    url = reverse("forum:search")
    assert "X-Page-Cache" not in client.get(url, {"q": "camera"})
    kept = client.get(url, {"q": "camera"})
    assert kept["X-Page-Cache"] == "hit" and "night vision is black" in kept.content.decode()
    assert "X-Page-Cache" not in alice_client.get(url, {"q": "camera"})  # signed in: always fresh
    committed(services.post_delete, user=bob, post=corpus["cam"])
    fresh = client.get(url, {"q": "camera"})
    assert "X-Page-Cache" not in fresh and "night vision is black" not in fresh.content.decode()

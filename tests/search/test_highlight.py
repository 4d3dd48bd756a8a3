"""Highlighting skips texts that cannot hold a query term, and picks the same snippet every time.

``highlight._may_hold`` decides, without the analyzer, that a text has no token equal to a query
term; it must never say so of a text that has one (the snippet would then lose its marks). The
checks run against the analyzer itself on both languages, mixed scripts, stemmed and full-width
words."""

import pytest

from forum.search import highlight
from forum.search.analysis import terms
from forum.search.highlight import mark_all, snippet, terms_of

TEXTS = [
    "路由器wifi设置好了以后手机连不上",
    "How do I reset the router? Resetting didn't help, the dying light keeps blinking.",
    "ＷＩＦＩ密码忘了怎么办",
    "The skies are clear; wi-fi works, v2.1 firmware, c++ and c# SDKs",
    "摄像头一直显示离线, camera offline",
    'Quotes "and" <tags> & ampersands',
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_text_holds_every_one_of_its_own_terms(text):
    for term in set(terms(text)):
        assert highlight._may_hold(text, {term}), term


@pytest.mark.parametrize("text", TEXTS)
def test_a_text_said_not_to_hold_a_term_has_no_such_token(text):
    candidates = terms_of("router reset dying sky wifi 路由器 设置 密码 摄像头 离线 firmware 固件 wallet 升级")
    for term in candidates:
        if not highlight._may_hold(text, {term}):
            assert term not in terms(text), term


def test_texts_without_a_term_are_not_analysed(monkeypatch):
    def analysed(*args, **kwargs):
        raise AssertionError("the text was analysed")

    monkeypatch.setattr(highlight, "highlight", analysed)
    assert snippet("Nothing about it here. " * 20, terms_of("路由器 wallet")).startswith("Nothing about it here.")
    assert mark_all("A <title> without it", terms_of("固件")) == "A &lt;title&gt; without it"


def test_marks_in_both_languages_and_mixed_scripts():
    html = snippet("路由器wifi设置好了以后手机连不上", terms_of("wifi 路由器"))
    assert '<mark class="match term' in html and ">wifi</mark>" in html and ">路由器</mark>" in html
    assert ">WIFI</mark>" in mark_all("ＷＩＦＩ密码忘了怎么办", terms_of("wifi")) or "ＷＩＦＩ</mark>" in mark_all(
        "ＷＩＦＩ密码忘了怎么办", terms_of("wifi")
    )
    assert ">Resetting</mark>" in snippet("How do I reset it? Resetting didn't help.", terms_of("reset"))


def test_equal_fragments_give_the_same_snippet_every_time():
    # Four far-apart matches of equal weight: the two shown are the first two, every time.
    filler = " ".join(["filler"] * 40)
    text = f"router one {filler} router two {filler} router three {filler} router four"
    snippets = {snippet(text, terms_of("router")) for _ in range(30)}
    assert len(snippets) == 1
    (only,) = snippets
    assert "one" in only and "two" in only and "four" not in only

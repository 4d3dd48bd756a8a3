"""Markdown safety, proven against public corpora rather than a handful of hand-picked cases.

Every string of the Big List of Naughty Strings and every input of markdown-it's XSS fixture
(both vendored in ``tests/data`` with their licences), in several Markdown contexts, plus
hypothesis-generated mixes of text, Markdown and HTML, goes through ``forum.rendering``. The
output is parsed with an HTML parser and must hold only allowlisted elements and attributes,
no event handler or ``style``, only http/https/mailto (or relative) URLs, ``rel`` on every link,
and be a fixed point of the sanitiser. End-to-end tests then show an XSS payload in a post,
a title, a tag, a product name and a display name come out escaped on the real pages.
"""

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum import services
from forum.models import Post, Tag
from forum.rendering import (
    ALLOWED_ATTRIBUTE_VALUES,
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    LINK_REL,
    clean_text,
    html_to_text,
    render_markdown,
    sanitize_html,
)
from tests.factories import make_answer, make_question

DATA = Path(__file__).resolve().parent.parent / "data"

# What must never be allowed, whatever someone adds to the allowlist later.
DANGEROUS_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "form",
    "input", "button", "textarea", "select", "link", "meta", "base", "noscript", "template", "video",
    "audio", "source", "portal", "xmp", "plaintext", "noembed", "noframes",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "poster", "background", "cite", "xlink:href"}


def _blns() -> list[str]:
    strings = json.loads((DATA / "blns.json").read_text(encoding="utf-8"))
    assert len(strings) > 500, "the vendored Big List of Naughty Strings is incomplete"
    return strings


@dataclass
class FixtureCase:
    line: int
    markdown: str
    expected_html: str


def _xss_cases() -> list[FixtureCase]:
    """markdown-it's fixture format: a case is ``.``, input lines, ``.``, output lines, ``.``;
    anything between cases is a description."""
    lines = (DATA / "xss.txt").read_text(encoding="utf-8").split("\n")
    cases, i = [], 0
    while i < len(lines):
        if lines[i] != ".":
            i += 1
            continue
        start = i
        end_input = lines.index(".", i + 1)
        end_output = lines.index(".", end_input + 1)
        cases.append(
            FixtureCase(
                line=start + 1,
                markdown="\n".join(lines[start + 1 : end_input]),
                expected_html="\n".join(lines[end_input + 1 : end_output]),
            )
        )
        i = end_output + 1
    assert len(cases) >= 13, "the vendored xss.txt fixture is incomplete"
    return cases


BLNS = _blns()
XSS_CASES = _xss_cases()


@dataclass
class Element:
    tag: str
    attrs: list[tuple[str, str | None]]


@dataclass
class _Collector(HTMLParser):
    elements: list[Element] = field(default_factory=list)
    script_text: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def __post_init__(self):
        super().__init__(convert_charrefs=True)
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.elements.append(Element(tag, attrs))
        self._in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self.elements.append(Element(tag, attrs))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        (self.script_text if self._in_script else self.text).append(data)


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector


def url_scheme(url: str) -> str | None:
    """The scheme a browser would see: it strips leading/trailing C0 controls and spaces and
    removes tabs and newlines anywhere before parsing (WHATWG URL standard)."""
    url = re.sub(r"[\t\n\r]", "", url).strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f" + "".join(
        chr(c) for c in range(0x10, 0x21)
    ))  # fmt: skip
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):", url)
    return match.group(1).lower() if match else None


def assert_safe_fragment(html: str, *, source: str = "") -> None:
    """The output of the renderer or the sanitiser obeys the allowlist, element by element."""
    doc = parse(html)
    context = f"from {source!r}: {html!r}"
    for element in doc.elements:
        tag = element.tag
        assert tag in ALLOWED_TAGS, f"<{tag}> is not allowlisted, {context}"
        assert tag not in DANGEROUS_TAGS, context
        allowed = set(ALLOWED_ATTRIBUTES.get(tag, ())) | set(ALLOWED_ATTRIBUTE_VALUES.get(tag, ()))
        if tag == "a":
            allowed.add("rel")
        names = [name for name, _ in element.attrs]
        for name, value in element.attrs:
            assert not name.startswith("on"), f"event handler {name} on <{tag}>, {context}"
            assert name != "style", context
            assert name in allowed, f"{name} on <{tag}> is not allowlisted, {context}"
            if name in URL_ATTRIBUTES and value is not None:
                scheme = url_scheme(value)
                assert scheme is None or scheme in ALLOWED_URL_SCHEMES, f"{scheme}: URL in {name}, {context}"
            if name == "class":
                assert re.fullmatch(r"language-[\w+#.-]+", value or ""), context
            if tag in ALLOWED_ATTRIBUTE_VALUES and name in ALLOWED_ATTRIBUTE_VALUES[tag]:
                assert value in ALLOWED_ATTRIBUTE_VALUES[tag][name], context
        if tag == "a":
            assert names.count("rel") == 1 and dict(element.attrs)["rel"] == LINK_REL, f"<a> without rel, {context}"


def assert_renders_safely(text: str) -> None:
    rendered = render_markdown(text)
    assert_safe_fragment(rendered, source=text)
    assert sanitize_html(rendered) == rendered, f"the renderer's output is not a sanitiser fixed point: {text!r}"
    cleaned = sanitize_html(text)
    assert_safe_fragment(cleaned, source=text)
    assert sanitize_html(cleaned) == cleaned, f"sanitize_html is not idempotent on {text!r}"
    html_to_text(rendered)  # snippets and search read the same HTML; they must not raise either


def markdown_contexts(s: str) -> list[str]:
    """Put a string where Markdown turns text into links, images, code classes and references."""
    return [
        s,
        f"[link]({s})",
        f"![image]({s})",
        f"[link](<{s}>)",
        f"<{s}>",
        f"[ref]\n\n[ref]: {s}",
        f"```{s}\ncode\n```",
        f'[link](http://example.com "{s}")',
        f"| {s} | b |\n|:-|-:|\n| {s} | x |",
        f"> {s}\n\n- {s}\n\n**{s}**",
    ]


# --- The allowlist itself -------------------------------------------------------------------


def test_allowlist_leaves_out_every_dangerous_element_and_attribute():
    assert not ALLOWED_TAGS & DANGEROUS_TAGS
    attributes = {name for names in ALLOWED_ATTRIBUTES.values() for name in names}
    attributes |= {name for names in ALLOWED_ATTRIBUTE_VALUES.values() for name in names}
    assert not {name for name in attributes if name.startswith("on")}
    assert "style" not in attributes and "srcdoc" not in attributes
    assert {"http", "https", "mailto"} == ALLOWED_URL_SCHEMES
    assert LINK_REL == "nofollow ugc noopener"


# --- Big List of Naughty Strings ------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(BLNS)), ids=lambda i: f"blns{i}")
def test_naughty_string_renders_safely_in_every_markdown_context(index):
    for text in markdown_contexts(BLNS[index]):
        assert_renders_safely(text)


def test_naughty_strings_render_safely_all_together():
    # One long post holding the whole list: nesting and interplay between the strings.
    assert_renders_safely("\n\n".join(BLNS))
    assert_renders_safely(" ".join(BLNS))


# --- markdown-it's XSS fixture --------------------------------------------------------------


@pytest.mark.parametrize("case", XSS_CASES, ids=lambda c: f"xss.txt:{c.line}")
def test_markdown_it_xss_fixture_renders_safely(case):
    assert_renders_safely(case.markdown)
    # The fixture's expected HTML comes from a permissive renderer (it keeps a data: image);
    # through the sanitiser it must be safe too, as imported HTML is.
    assert_renders_safely(case.expected_html)


def test_markdown_it_xss_fixture_leaves_no_script_url_anywhere():
    rendered = "".join(render_markdown(case.markdown) + sanitize_html(case.expected_html) for case in XSS_CASES)
    for element in parse(rendered).elements:
        for name, value in element.attrs:
            if name in URL_ATTRIBUTES:
                assert url_scheme(value or "") in (None, "http", "https", "mailto")
    assert "data:image" not in rendered  # markdown-it allows some data: images; nh3 does not


# --- Known attacks, spelled out -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ("<img src=x onerror=alert(1)>", "<img"),
        ("[x](javascript:alert(1))", "href"),
        ("[x](JaVaScRiPt:alert(1))", "href"),
        ("[x](java\tscript:alert(1))", 'href="java'),
        ("[x](vbscript:msgbox(1))", "href"),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "href"),
        ("![x](data:image/svg+xml;base64,PHN2Zz4=)", "data:"),
        ("<iframe src=https://evil.example></iframe>", "<iframe"),
        ("<svg onload=alert(1)>", "<svg"),
        ('<a href="https://example.com" onclick="alert(1)">x</a>', "onclick="),
        ("<style>body{display:none}</style>", "<style"),
        ("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", "onerror"),
        ("```js onclick=alert(1)\ncode\n```", "onclick"),
    ],
)
def test_known_attacks_leave_nothing_dangerous(text, forbidden):
    rendered = render_markdown(text)
    # Raw HTML comes out as visible text (escaped), so look at the markup alone.
    markup = "".join(
        f"<{e.tag} " + " ".join(f'{name}="{value}"' for name, value in e.attrs) + ">" for e in parse(rendered).elements
    )
    assert forbidden not in markup
    assert_renders_safely(text)


@pytest.mark.parametrize(
    "fragment",
    [
        '<a href="javascript:alert(1)">x</a>',
        '<a href="  javascript:alert(1)">x</a>',
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<img src="javascript:alert(1)">',
        '<a href="file:///etc/passwd">x</a>',
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        '<form action="https://evil.example"><button formaction="javascript:alert(1)">x</button></form>',
        '<p style="position:fixed;top:0">overlay</p>',
        '<code class="button primary">spoofed</code>',
        '<td align="javascript:x">cell</td>',
        "<!-- <script>alert(1)</script> -->",
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    ],
)
def test_sanitizer_strips_dangerous_html(fragment):
    cleaned = sanitize_html(fragment)
    assert_safe_fragment(cleaned, source=fragment)
    assert sanitize_html(cleaned) == cleaned
    for element in parse(cleaned).elements:
        assert "javascript" not in " ".join(value or "" for name, value in element.attrs if name != "title").lower()


def test_links_images_tables_and_code_survive_as_readers_expect():
    html = render_markdown(
        '[docs](https://example.com/a?b=1 "Docs") <https://example.com> [mail](mailto:help@example.com)\n\n'
        '![diagram](https://example.com/d.png "Diagram")\n\n'
        "| left | right | centre |\n|:-----|------:|:------:|\n| 1 | 2 | 3 |\n\n"
        "```python\nprint('<hi>')\n```\n\n[relative](/q/1/#answer-2)"
    )
    assert f'<a href="https://example.com/a?b=1" title="Docs" rel="{LINK_REL}">docs</a>' in html
    assert f'<a href="mailto:help@example.com" rel="{LINK_REL}">mail</a>' in html
    assert '<img src="https://example.com/d.png" alt="diagram" title="Diagram">' in html
    assert '<th align="left">left</th>' in html and '<td align="right">2</td>' in html
    assert '<th align="center">centre</th>' in html
    assert "<code class=\"language-python\">print('&lt;hi&gt;')" in html
    assert f'<a href="/q/1/#answer-2" rel="{LINK_REL}">relative</a>' in html


def test_raw_html_in_markdown_is_shown_as_text_not_run():
    html = render_markdown("Press <kbd>Ctrl</kbd> then <b>bold</b>")
    assert "&lt;kbd&gt;Ctrl&lt;/kbd&gt;" in html and "&lt;b&gt;bold&lt;/b&gt;" in html


def test_lone_surrogates_and_control_characters_never_raise():
    # JSON can carry "\ud800"; nh3 and the database cannot encode it.
    assert render_markdown("a\ud800b\udfffc") == "<p>a\ufffdb\ufffdc</p>\n"
    assert sanitize_html("<b>\ud83d</b>") == "<b>\ufffd</b>"
    assert clean_text("a\x00b\x07c\r\nd\re") == "abc\nd\ne"
    assert html_to_text("<p>\udc00</p>") == "\ufffd"


# --- Generated input ------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        "<", ">", "</", "/>", '"', "'", "`", "```", "&", "&#", "&#x", ";", "=", ":", "\\", "\n", "\n\n", " ",
        "\t", "\x00", "\x0b", "\u2028", "\ufeff", "\ud800", "[", "]", "(", ")", "![", "](", "<a", "<img", "<script",
        "<svg", "<iframe", "<style", "<math", "<!--", "-->", "<![CDATA[", "]]>", " href=", " src=", " onerror=",
        " onclick=", " style=", "javascript:", "JaVaScRiPt:", "vbscript:", "data:text/html,", "data:image/png,",
        "file:", "mailto:", "https://", "http://", "//", "alert(1)", "*", "_", "**", "#", "> ", "- ", "1. ", "|",
        "|-|", "---", "    ", "&lt;", "&quot;", "&#106;", "&#x6A;", "%6A", "%3Cscript%3E", "问道", "😀",
    ]
)  # fmt: skip
MIXED = st.lists(st.one_of(FRAGMENTS, st.text(max_size=8)), max_size=40).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MIXED)
def test_generated_markdown_and_html_render_safely(text):
    assert_renders_safely(text)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_text_renders_safely(text):
    assert_renders_safely(text)


# --- End to end: the pages people see -------------------------------------------------------

XSS_TITLE = '<script>alert("title")</script><img src=x onerror=alert(1)>'
XSS_BODY = (
    'Hello <script>alert("body")</script> <img src=x onerror=alert(2)>\n\n'
    "[click me](javascript:alert(3)) [ok](https://example.com)\n\n"
    '<iframe src="https://evil.example"></iframe>\n\n<a href="javascript:alert(4)" onclick="alert(5)">raw</a>'
)
XSS_NAME = '"><svg onload=alert("name")>'
XSS_TAG = '"><script>alert("tag")</script>'


def assert_page_safe(html: str) -> _Collector:
    """A whole page: only our own static scripts, no inline code, no handlers, no script URLs."""
    doc = parse(html)
    for element in doc.elements:
        attrs = dict(element.attrs)
        if element.tag == "script":
            assert (attrs.get("src") or "").startswith("/static/"), f"unexpected script: {attrs}"
        assert element.tag not in {"iframe", "svg", "math", "object", "embed"}, element
        for name, value in element.attrs:
            assert not name.startswith("on"), f"{name} on <{element.tag}>"
            if name in URL_ATTRIBUTES and value:
                assert url_scheme(value) in (None, "http", "https", "mailto"), value
    assert not "".join(doc.script_text).strip(), "inline script on the page"
    return doc


@pytest.fixture
def hostile(db, product, alice, bob, alice_client, bob_client):
    """A question whose every user-supplied field is an XSS payload, posted through the pages."""
    alice.display_name = XSS_NAME
    alice.save(update_fields=["display_name"])
    product.name = XSS_TITLE
    product.save(update_fields=["name"])
    response = alice_client.post(
        reverse("forum:ask"), {"product": product.pk, "title": XSS_TITLE, "body": XSS_BODY, "tags": ""}
    )
    assert response.status_code == 302, response.content[:500]
    question = Post.objects.get(title=XSS_TITLE)
    # Tag names are restricted on input, but operators can create tags in the admin.
    question.tags.add(Tag.objects.create(product=product, name=XSS_TAG))
    assert bob_client.post(reverse("forum:answer", args=[question.pk]), {"body": XSS_BODY}).status_code == 302
    comment = {"body": '<img src=x onerror=alert("comment")> [c](javascript:alert(6))'}
    assert bob_client.post(reverse("forum:comment", args=[question.pk]), comment).status_code == 302
    return question


def test_question_page_shows_xss_payloads_as_text(client, hostile):
    response = client.get(hostile.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    doc = assert_page_safe(html)
    text = "".join(doc.text)
    # Shown literally, as the people typed it: escaped, not run and not lost.
    assert XSS_TITLE in text
    assert '<script>alert("body")</script>' in text and "<img src=x onerror=alert(2)>" in text
    assert XSS_NAME in text and XSS_TAG in text
    assert '<img src=x onerror=alert("comment")>' in text
    assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;" in html
    links = [dict(e.attrs) for e in doc.elements if e.tag == "a" and dict(e.attrs).get("href") == "https://example.com"]
    assert len(links) == 2 and all(link.get("rel") == LINK_REL for link in links)  # question and answer


@pytest.mark.parametrize("page", ["home", "product", "profile", "history", "preview"])
def test_other_pages_escape_payloads(client, alice_client, hostile, page):
    if page == "home":
        response = client.get(reverse("forum:home"))
    elif page == "product":
        response = client.get(hostile.product.get_absolute_url())
    elif page == "profile":
        response = client.get(hostile.author.get_absolute_url())
    elif page == "history":
        edit = {
            "title": XSS_TITLE,
            "body": XSS_BODY + "\n\n<script>alert('edit')</script>",
            "tags": "",
            "reason": XSS_NAME,
        }
        assert alice_client.post(reverse("forum:edit", args=[hostile.pk]), edit).status_code == 302
        response = client.get(reverse("forum:history", args=[hostile.pk]))
    else:
        response = alice_client.post(reverse("forum:preview"), {"body": XSS_BODY})
    assert response.status_code == 200
    doc = assert_page_safe(response.content.decode())
    if page != "preview":
        assert XSS_TITLE in "".join(doc.text)
    else:
        assert_safe_fragment(response.content.decode(), source=XSS_BODY)


def test_imported_or_factory_posts_store_only_sanitised_html(product, alice):
    # The cached HTML is what the page shows with |safe, so it is checked at rest too.
    question = make_question(author=alice, product=product, body=XSS_BODY)
    answer = make_answer(question=question, body="\n\n".join(BLNS[:200]))
    comment = services.comment_add(author=alice, post=answer, body="<script>x</script> [a](javascript:1)")
    for html in (question.body_html, answer.body_html, comment.body_html):
        assert_safe_fragment(html)
        assert sanitize_html(html) == html

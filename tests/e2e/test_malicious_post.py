"""A post full of script tricks, viewed and previewed by an expert, runs nothing.

An expert is the attacker's best target (moderation rights), so the expert's browser is the one
watched: every ``alert``/``confirm``/``prompt`` dialog is recorded by the page fixture, and each
payload also tries to set ``window.__pwned``; both must stay empty, on the question page and in
the htmx Markdown preview.
"""

import pytest

from tests.factories import ProductFactory, UserFactory, make_expert, make_question

from .conftest import log_in, screenshot

pytestmark = pytest.mark.usefixtures("transactional_db")

PAYLOAD = """Router keeps rebooting, see log below.

<script>window.__pwned = 1; alert("script")</script>
<img src="x" onerror="window.__pwned = 2; alert('img')">
<svg onload="window.__pwned = 3; alert('svg')"></svg>
<iframe src="javascript:window.top.__pwned = 4; alert('iframe')"></iframe>
<a href="javascript:window.__pwned = 5; alert('link')" id="evil-link">firmware notes</a>
[click me](javascript:window.__pwned=6;alert('md'))
<details open ontoggle="window.__pwned = 7; alert('toggle')"><summary>x</summary></details>
<style>body { background: url("javascript:alert('css')") }</style>
<form action="javascript:alert('form')"><button id="evil-button">go</button></form>
"""


def test_malicious_post_runs_no_script_for_an_expert(new_page):
    product = ProductFactory(slug="router", name="Wendao Router")
    make_expert(UserFactory(username="erin"), product)
    attacker = UserFactory(username="mallory")
    question = make_question(author=attacker, product=product, title="Router keeps rebooting every hour", body=PAYLOAD)

    erin = new_page()
    log_in(erin, "erin")
    erin.goto(f"/q/{question.pk}/")
    erin.locator(".question .prose").wait_for()
    # Give onload/onerror handlers a moment to fire if they had survived sanitising.
    erin.wait_for_timeout(500)
    prose = erin.locator(".question .prose")
    assert prose.locator("script, iframe, svg, style, form").count() == 0
    assert prose.locator("[onerror], [onload], [ontoggle]").count() == 0
    assert prose.locator("a[href^='javascript:']").count() == 0
    # Clicking what is left of the links does nothing either.
    for link in prose.locator("a").all():
        link.click(no_wait_after=True)
    assert erin.evaluate("window.__pwned === undefined")
    screenshot(erin, "malicious-post-viewed-by-expert")

    # The expert pastes the same text into an answer and previews it (htmx swaps the HTML in).
    erin.goto(f"/q/{question.pk}/")
    erin.fill("#id_body", PAYLOAD)
    erin.locator(".your-answer .markdown-field button", has_text="Preview").click()
    preview = erin.locator(".your-answer .preview")
    preview.get_by_text("Router keeps rebooting").wait_for()
    erin.wait_for_timeout(500)
    assert preview.locator("script, iframe, svg, style, form, [onerror], [onload], [ontoggle]").count() == 0
    assert erin.evaluate("window.__pwned === undefined")
    assert erin.dialogs == [], erin.dialogs
    assert erin.errors == [], erin.errors

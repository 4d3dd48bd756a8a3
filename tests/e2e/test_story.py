"""The whole story of the issue in a real browser: from a customer's Chinese question to the bot.

One test, because each step needs the one before it (the answer needs the question, the article
the endorsement); every step goes through the pages as a person would, with the real forms,
htmx and JavaScript, and a screenshot of the key pages lands in ``docs/screenshots/``.
"""

import json

import pytest
from haystack import connections

from forum.models import Post, Vote
from knowledge import retrieval
from knowledge.models import Article, ExportJob
from tests.factories import ProductFactory, UserFactory, make_answer, make_expert, make_question

from .conftest import log_in, screenshot

pytestmark = pytest.mark.usefixtures("transactional_db")


@pytest.fixture
def cast(settings, tmp_path):
    settings.KNOWLEDGE = {**settings.KNOWLEDGE, "EXPORT_DIR": str(tmp_path / "exports"), "BOT_ANON_RATE": ""}
    connections["default"].get_backend().clear()
    retrieval.INDEX.clear()
    from forum.models import Role, RoleAssignment

    product = ProductFactory(slug="router", name="Wendao Router")
    bob, alice = UserFactory(username="bob", display_name="Bob"), UserFactory(username="alice")
    erin = make_expert(UserFactory(username="erin", display_name="Erin"), product)
    kate = UserFactory(username="kate")
    RoleAssignment.objects.create(user=kate, role=Role.KNOWLEDGE_EDITOR)
    # An earlier question, so that the new one has something similar to show.
    earlier = make_question(
        author=alice, product=product, title="路由器怎么恢复出厂设置", body="指示灯一直闪红色，按了很多次都没有反应。"
    )
    make_answer(question=earlier, author=erin, body="用牙签按住复位孔十秒。")
    yield {"product": product, "bob": bob, "alice": alice, "erin": erin, "kate": kate, "earlier": earlier}
    connections["default"].get_backend().clear()
    retrieval.INDEX.clear()


def test_question_to_bot_answer(new_page, cast):
    # 1. A new customer signs up (the browser asks for Chinese) and asks in Chinese.
    mei = new_page(locale="zh-CN")
    mei.goto("/signup/")
    mei.fill("input[name=username]", "mei")
    mei.fill("input[name=email]", "mei@example.com")
    mei.fill("input[name=password1]", "Lan-yue 2026 qiao")
    mei.fill("input[name=password2]", "Lan-yue 2026 qiao")
    mei.click("main form.post-form button.primary")
    mei.wait_for_url("**/")
    assert mei.locator(".account").get_by_text("mei").count() >= 1

    mei.goto("/p/router/ask/")
    assert mei.locator("html").get_attribute("lang") == "zh-hans"
    mei.fill("#id_title", "路由器如何重置")
    # similar.js fetches questions like the title while it is typed.
    similar = mei.locator("#similar-questions a", has_text="路由器怎么恢复出厂设置")
    similar.wait_for()
    screenshot(mei, "ask-similar-questions")
    mei.fill("#id_body", "新买的路由器忘记了管理密码，**怎样重置**才能重新设置？")
    mei.click("main form.post-form button.primary")
    if mei.locator(".similar-confirm").count():
        # The server shows the similar questions once more before saving; the customer posts anyway.
        mei.click("main form.post-form button.primary")
    mei.wait_for_url("**/q/*/")
    question = Post.objects.get(title="路由器如何重置")
    assert question.author.username == "mei"
    assert mei.locator("h1").inner_text() == "路由器如何重置"
    assert mei.locator(".question .prose strong").inner_text() == "怎样重置"

    # 2. Another customer answers.
    bob = new_page()
    log_in(bob, "bob")
    bob.goto(f"/q/{question.pk}/")
    bob.fill("#id_body", "Hold the **reset** pinhole for ten seconds until the light blinks; then open 192.168.1.1.")
    bob.click(".your-answer button.primary")
    bob.wait_for_url(f"**/q/{question.pk}/**")
    answer = Post.objects.get(question=question, kind="a")
    bob.locator(f"#answer-{answer.pk}").wait_for()

    # 3. A third customer votes it up: htmx swaps the score in place, no reload.
    alice = new_page()
    log_in(alice, "alice")
    alice.goto(f"/q/{question.pk}/")
    alice.click(f"#votes-{answer.pk} button.vote.up")
    alice.locator(f"#votes-{answer.pk} button.vote.up.active").wait_for()
    assert alice.locator(f"#votes-{answer.pk} .score").inner_text() == "1"
    assert Vote.objects.filter(post=answer, voter=cast["alice"], value=1, voided_at=None).count() == 1

    # 4. The asker accepts it.
    mei.goto(f"/q/{question.pk}/")
    mei.click(f"#answer-{answer.pk} form[action$='/accept/'] button")
    mei.locator(f"#answer-{answer.pk}.accepted").wait_for()
    answer.refresh_from_db()
    assert answer.is_accepted

    # 5. The product's expert endorses it with a note.
    erin = new_page()
    log_in(erin, "erin")
    erin.goto(f"/q/{question.pk}/")
    erin.click(f"#answer-{answer.pk} details.endorse-box summary")
    erin.fill(f"#endorse-note-{answer.pk}", "Checked on firmware 2.1")
    erin.click(f"#answer-{answer.pk} details.endorse-box button[type=submit]")
    erin.locator(f"#answer-{answer.pk} .endorsements .verified").wait_for()
    screenshot(erin, "question-accepted-endorsed")

    # 6. The knowledge editor finds it in the review queue, publishes it and exports the base.
    kate = new_page()
    log_in(kate, "kate")
    kate.goto("/knowledge/")
    kate.get_by_role("link", name="路由器如何重置").click()
    kate.wait_for_url("**/knowledge/candidates/*/")
    screenshot(kate, "knowledge-review")
    kate.click("main form.post-form button.primary")
    kate.wait_for_load_state()
    article = Article.objects.get()
    assert article.status == "published"
    kate.goto(f"/kb/{article.pk}/")
    assert "reset" in kate.locator("main").inner_text()
    screenshot(kate, "knowledge-article")

    kate.goto("/knowledge/exports/")
    kate.select_option("select[name=format]", "jsonl")
    kate.click("main form.post-form button.primary")
    kate.get_by_role("link", name="Download").first.wait_for()
    job = ExportJob.objects.get()
    assert (job.status, job.article_count) == ("done", 1)
    with kate.expect_download() as download_info:
        kate.get_by_role("link", name="Download").first.click()
    text = download_info.value.path().read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert [line.get("title") for line in lines] == [article.title]
    screenshot(kate, "knowledge-exports")

    # 7. The company's bot finds the article through the API, asked in other words.
    response = kate.request.get("/api/v1/kb/answer", params={"q": "路由器怎么重置", "product": "router"})
    assert response.ok, response.text()
    body = response.json()
    assert body["answered"] is True, body
    assert body["articles"][0]["id"] == article.pk
    assert body["articles"][0]["title"] == article.title

    for page in (mei, bob, alice, erin, kate):
        assert page.dialogs == [] and page.errors == [], (page.dialogs, page.errors)

"""Chinese and English: the switch, Accept-Language, localised dates and numbers, and catalogues
that are complete and in step with the code."""

import re
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.urls import reverse
from django.utils import timezone, translation

from forum import services
from forum.models import Post
from tests.factories import make_answer, make_question

ROOT = Path(settings.BASE_DIR)
LOCALE_DIR = ROOT / "forum" / "locale"
CATALOGUES = {code: LOCALE_DIR / code / "LC_MESSAGES" / "django.po" for code in ("zh_Hans", "en")}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


# --- the catalogues ------------------------------------------------------------------------------


@pytest.mark.parametrize("code", CATALOGUES)
def test_catalogue_is_complete(code):
    catalogue = polib.pofile(str(CATALOGUES[code]))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated in {code}: {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {code}: {fuzzy[:10]}"
    assert len(catalogue) > 100


@pytest.mark.parametrize("code", CATALOGUES)
def test_translations_keep_their_placeholders(code):
    """A translation that loses or invents a %(name)s would crash or mislead at run time."""
    wrong = []
    for entry in polib.pofile(str(CATALOGUES[code])):
        wanted = set(PLACEHOLDER.findall(entry.msgid)) | set(PLACEHOLDER.findall(entry.msgid_plural or ""))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        wrong += [(entry.msgid, t) for t in translations if set(PLACEHOLDER.findall(t)) != wanted]
    assert not wrong, wrong[:10]


@pytest.mark.parametrize("code", CATALOGUES)
def test_compiled_catalogue_is_up_to_date(code, tmp_path):
    """The committed .mo matches its .po, so a deploy never serves stale translations."""
    po_path = CATALOGUES[code]
    compiled = polib.mofile(str(po_path.with_suffix(".mo")))
    source = polib.pofile(str(po_path))
    in_mo = {(e.msgctxt, e.msgid): (e.msgstr or dict(e.msgstr_plural)) for e in compiled}
    in_po = {(e.msgctxt, e.msgid): (e.msgstr or dict(e.msgstr_plural)) for e in source.translated_entries()}
    assert in_mo.keys() >= in_po.keys(), sorted(in_po.keys() - in_mo.keys())[:10]
    assert {key: in_mo[key] for key in in_po} == in_po


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (apt-get install gettext)")
def test_every_translatable_string_in_the_code_is_in_the_catalogue(tmp_path):
    """Run makemessages on a copy of the code: it must find no msgid the catalogue lacks."""
    copy = tmp_path / "wendao"
    skip = shutil.ignore_patterns(
        ".*", "var", "tests", "bench", "docs", "node_modules", "*.egg-info", "__pycache__", "*.pyc", "*.mo"
    )
    shutil.copytree(ROOT, copy, ignore=skip)
    before = {(e.msgctxt, e.msgid) for e in polib.pofile(str(CATALOGUES["zh_Hans"]))}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--add-location=file"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    after = {(e.msgctxt, e.msgid) for e in polib.pofile(str(copy / "forum/locale/zh_Hans/LC_MESSAGES/django.po"))}
    missing = sorted(after - before, key=str)
    assert not missing, f"run `make messages` and translate these {len(missing)} strings: {missing[:15]}"
    stale = sorted(before - after, key=str)
    assert not stale, f"run `make messages`: these strings are no longer in the code: {stale[:15]}"


# --- choosing the language -----------------------------------------------------------------------


@pytest.mark.django_db
def test_accept_language_serves_chinese(client, product):
    response = client.get("/", **CHINESE)
    html = response.content.decode()
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in html
    assert "产品专区" in html and "提问" in html and "登录" in html
    assert "Product spaces" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["zh-CN,zh;q=0.9,en;q=0.8", "zh", "zh-Hans-CN"])
def test_browser_chinese_variants_get_simplified_chinese(client, header):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=header)
    assert response["Content-Language"] == "zh-hans"


@pytest.mark.django_db
def test_english_is_the_default(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response["Content-Language"] == "en"
    assert "Product spaces" in response.content.decode()


@pytest.mark.django_db
def test_language_switch(client, product):
    html = client.get(product.get_absolute_url()).content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert '<option value="zh-hans">简体中文</option>' in html

    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": product.get_absolute_url()})
    assert response.status_code == 302
    assert response["Location"] == product.get_absolute_url()
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"

    # The choice sticks, over the browser's own preference.
    html = client.get(product.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "就这个产品提问" in html
    assert '<option value="zh-hans" selected>' in html

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Ask about this product" in client.get(product.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_switch_refuses_unknown_languages_and_foreign_redirects(client):
    response = client.post(reverse("set_language"), {"language": "xx", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


# --- Chinese pages ---------------------------------------------------------------------------------


@pytest.fixture
def thread(product, alice, bob, erin):
    question = make_question(
        author=alice,
        product=product,
        title="路由器每天晚上自动重启怎么办？",
        body="每晚十二点左右指示灯变红，然后重启。",
        tags=["power"],
    )
    answer = make_answer(question=question, author=erin, body="请先把固件升级到 2.1 版本。")
    make_answer(question=question, author=bob, body="换一个原装电源适配器试试。")
    services.comment_add(author=bob, post=answer, body="升级后好了，谢谢！")
    services.answer_accept(user=alice, answer=answer)
    two_days_ago = timezone.now() - timedelta(days=2, hours=1)
    Post.objects.filter(pk=question.pk).update(created_at=two_days_ago, view_count=12345)
    return question


@pytest.mark.django_db
def test_question_page_in_chinese(client, thread):
    html = client.get(thread.get_absolute_url(), **CHINESE).content.decode()
    assert "路由器每天晚上自动重启怎么办？" in html
    assert "2 个回答" in html
    assert "提问者已采纳" in html or "已采纳" in html
    assert "官方" in html  # erin's badge
    with translation.override("zh-hans"):
        asked = naturaltime(Post.objects.get(pk=thread.pk).created_at)
    assert "日" in asked and f"{asked}提问" in html  # e.g. "2 日，1 小时前提问"
    assert "浏览 12,345 次" in html  # numbers grouped in the reader's convention
    assert "赞同" in html and "反对" in html
    visible = re.sub(r"<[^>]+>", " ", html)
    english = set(re.findall(r"[A-Za-z]{3,}", visible))
    # Only names and user text stay in English: the product, the users, the language switch.
    assert english <= {"Wendao", "Router", "English", "alice", "bob", "erin", "power"}, english


@pytest.mark.django_db
def test_home_and_product_pages_in_chinese(client, thread, product):
    home = client.get("/", **CHINESE).content.decode()
    assert "1 个问题" in home
    page = client.get(product.get_absolute_url(), **CHINESE).content.decode()
    for words in ("活跃", "最新", "最多投票", "未回答", "标签"):
        assert words in page
    assert "12,345" in page  # the view count, grouped


@pytest.mark.django_db
def test_history_dates_in_chinese(alice_client, thread):
    services.post_edit(
        editor=thread.author, post=thread, title=thread.title, body="补充：固件版本是 2.0。", reason="补充"
    )
    html = alice_client.get(reverse("forum:history", args=[thread.pk]), **CHINESE).content.decode()
    assert "修订历史" in html and "第 2 版" in html
    today = timezone.localtime()
    assert f"{today.year}年{today.month}月{today.day}日" in html


@pytest.mark.django_db
def test_refusals_are_translated(alice_client, bob_client, thread):
    response = bob_client.post(reverse("forum:answer", args=[thread.pk]), {"body": "太短"}, **CHINESE)
    assert response.status_code == 400
    assert "请至少写 10 个字符。" in response.content.decode()
    response = alice_client.post(reverse("forum:vote", args=[thread.pk]), {"value": 1}, **CHINESE)
    assert response.status_code == 403
    assert "不能给自己的帖子投票。" in response.content.decode()
    response = alice_client.get(reverse("forum:vote", args=[thread.pk]), **CHINESE)
    assert "这个地址只接受表单提交" in response.content.decode()
    assert "你要找的页面不存在。" in alice_client.get("/q/999999/", **CHINESE).content.decode()


@pytest.mark.django_db
def test_account_pages_in_chinese(client):
    assert "忘记密码？" in client.get(reverse("login"), **CHINESE).content.decode()
    assert "创建账号" in client.get(reverse("forum:signup"), **CHINESE).content.decode()
    assert "重置密码" in client.get(reverse("password_reset"), **CHINESE).content.decode()


@pytest.mark.django_db
def test_password_reset_email_in_chinese(client, alice):
    from django.core import mail

    client.post(reverse("password_reset"), {"email": "alice@example.com"}, **CHINESE)
    assert "请在这里设置新密码：" in mail.outbox[0].body


def test_gettext_really_loads_the_chinese_catalogue():
    with translation.override("zh-hans"):
        assert translation.gettext("Ask a question") == "提问"
        assert translation.ngettext("%(counter)s answer", "%(counter)s answers", 3) % {"counter": 3} == "3 个回答"
    with translation.override("en"):
        assert translation.ngettext("%(counter)s answer", "%(counter)s answers", 3) % {"counter": 3} == "3 answers"


@pytest.mark.django_db
def test_a_persons_preferred_language_follows_them(alice, alice_client, client):
    from django.test import Client

    response = alice_client.post(
        reverse("forum:profile_edit"), {"display_name": "", "bio": "", "preferred_language": "zh-hans"}, follow=True
    )
    assert "你的个人资料已保存。" in response.content.decode()

    # On another device, with an English browser, the profile's choice applies once signed in.
    elsewhere = Client()
    elsewhere.force_login(alice)
    assert elsewhere.get("/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "zh-hans"
    # ...unless the switch was used there.
    elsewhere.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert elsewhere.get("/")["Content-Language"] == "en"
    # Signed out, the browser decides again.
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "en"

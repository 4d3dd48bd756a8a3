"""Similar questions while asking, and once more before the question is saved."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from forum.models import Post
from forum.search.service import similar_questions
from tests.factories import make_answer, make_question


@pytest.fixture
def asked(search_index, committed, product, bob, erin):
    zh = committed(
        make_question,
        author=bob,
        product=product,
        title="路由器怎么恢复出厂设置",
        body="指示灯一直闪红色，按了很多次都没有反应。",
    )
    en = committed(make_question, author=bob, product=product, title="How do I reset the router to factory settings?")
    committed(make_answer, question=en, author=erin, body="Hold the pinhole button for ten seconds.")
    committed(make_question, author=bob, product=product, title="Which cable goes into the WAN port?")
    return {"zh": zh, "en": en}


def test_similar_questions_in_chinese_with_other_words(asked):
    # 重置 is a synonym of 恢复出厂设置; 路由器 matches the title.
    assert [q.pk for q in similar_questions(title="路由器如何重置")][:1] == [asked["zh"].pk]


def test_similar_questions_in_english(asked):
    assert [q.title for q in similar_questions(title="resetting my router")][:1] == [asked["en"].title]


def test_similar_questions_skip_deleted_ones(asked, committed, bob):
    from forum import services

    committed(services.post_delete, user=bob, post=asked["en"])
    assert asked["en"].pk not in [q.pk for q in similar_questions(title="reset router factory")]


def test_similar_fragment_shows_answer_status(client, asked, product):
    response = client.get(reverse("forum:similar"), {"title": "reset router", "product": product.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "How do I reset the router to factory settings?" in html and "1 answer" in html
    assert "<script" not in html


@pytest.mark.parametrize("title", ["", "ab", "AND OR NOT", '"', "x" * 5000, "\x00", "<script>alert(1)</script>"])
def test_similar_fragment_takes_any_title(client, asked, title):
    response = client.get(reverse("forum:similar"), {"title": title, "product": "abc"})
    # 400 only for a NUL, which the site's middleware refuses in any request.
    assert response.status_code == (400 if "\x00" in title else 200)
    assert "<script>alert" not in response.content.decode()


def test_ask_page_has_the_similar_box_and_no_inline_script(alice_client):
    html = alice_client.get(reverse("forum:ask")).content.decode()
    assert 'id="similar-questions"' in html and "forum/similar.js" in html
    assert "<script>" not in html


def _ask(client, product, **extra):
    data = {
        "product": product.pk,
        "title": "Router reset to factory settings does not work",
        "body": "I held the button but nothing happened at all.",
        "tags": "",
    }
    return client.post(reverse("forum:ask"), data | extra)


def test_first_submit_shows_similar_questions_and_saves_nothing(alice_client, asked, product):
    before = Post.objects.count()
    response = _ask(alice_client, product)
    assert response.status_code == 200
    html = response.content.decode()
    assert "How do I reset the router to factory settings?" in html
    assert 'name="similar_checked"' in html and "Post my question anyway" in html
    assert Post.objects.count() == before


def test_second_submit_saves_the_question(alice_client, asked, product):
    response = _ask(alice_client, product, similar_checked="1")
    assert response.status_code == 302
    assert Post.objects.filter(title="Router reset to factory settings does not work").exists()


def test_no_similar_questions_saves_at_once(alice_client, search_index, product):
    response = _ask(alice_client, product)
    assert response.status_code == 302


def test_invalid_form_is_left_to_the_ask_page(alice_client, asked, product):
    response = _ask(alice_client, product, title="")
    assert response.status_code == 400 and "similar_checked" not in response.content.decode()


def test_evaluate_duplicates_on_the_chinese_pairs_file_beats_the_baseline(capsys):
    call_command("evaluate_duplicates", "tests/data/zh_question_pairs.tsv", "--format", "json")
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"wendao", "baseline", "queries"}
    assert set(report["wendao"]) == set(report["baseline"]) == {"recall_at_1", "recall_at_5", "mrr_at_10"}
    assert report["queries"] == 76
    assert report["wendao"]["recall_at_1"] > report["baseline"]["recall_at_1"]
    assert report["wendao"]["mrr_at_10"] > report["baseline"]["mrr_at_10"]


def test_evaluate_duplicates_reads_a_stack_exchange_dump(tmp_path, capsys):
    def row(**attrs):
        return "<row " + " ".join(f'{k}="{v}"' for k, v in attrs.items()) + " />"

    posts = [
        row(
            Id=1,
            PostTypeId=1,
            Title="How do I stake ADA from Daedalus?",
            Body="&lt;p&gt;Staking question&lt;/p&gt;",
            Tags="&lt;staking&gt;",
        ),
        row(
            Id=2, PostTypeId=1, Title="Staking ADA in the Daedalus wallet", Body="&lt;p&gt;Where to delegate?&lt;/p&gt;"
        ),
        row(Id=3, PostTypeId=1, Title="What is a native token?", Body="&lt;p&gt;Tokens&lt;/p&gt;"),
        row(Id=4, PostTypeId=2, ParentId=1, Body="&lt;p&gt;Use the delegation centre.&lt;/p&gt;"),
    ]
    (tmp_path / "Posts.xml").write_text("<posts>" + "".join(posts) + "</posts>", encoding="utf-8")
    (tmp_path / "PostLinks.xml").write_text(
        "<postlinks>"
        + row(Id=1, PostId=2, RelatedPostId=1, LinkTypeId=3)
        + row(Id=2, PostId=3, RelatedPostId=1, LinkTypeId=1)
        + "</postlinks>",
        encoding="utf-8",
    )
    call_command("evaluate_duplicates", str(tmp_path), "--format", "json")
    report = json.loads(capsys.readouterr().out)
    # One duplicate link, asked both ways (the duplicate finds the original and back); the
    # "linked" row (LinkTypeId 1) is not a duplicate.
    assert report["queries"] == 2 and report["wendao"]["recall_at_1"] == 1.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a\tb\n", "expected sentence1"),
        ("sentence1\tsentence2\tlabel\na\tb\tyes\n", "label must be 0 or 1"),
        ("sentence1,sentence2,label\na,b,0\n", "no duplicates"),
    ],
)
def test_evaluate_duplicates_explains_bad_sources(tmp_path, content, message):
    source = tmp_path / "pairs.tsv"
    source.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("evaluate_duplicates", str(source))
    with pytest.raises(CommandError, match="neither"):
        call_command("evaluate_duplicates", str(tmp_path / "missing"))

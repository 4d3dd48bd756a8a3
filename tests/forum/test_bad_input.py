"""Bad input gets a clear message and a 4xx, never a 500, and nothing is half-written.

Every test snapshots the row counts of everything a page can write and asserts they did not move.
"""

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from forum.models import Comment, Post, Revision, Tag, User, Vote
from tests.factories import TagFactory, make_answer, make_question

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
FORM = "application/x-www-form-urlencoded"


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Post, Revision, Comment, Vote, Tag, User)}


@pytest.fixture
def question(product, alice):
    return make_question(author=alice, product=product, title="Router keeps rebooting", tags=["power"])


@pytest.fixture
def answer(question, bob):
    return make_answer(question=question, author=bob, body="Try another power adapter first.")


@pytest.fixture
def unchanged(question, answer):
    """Assert, after the test, that nothing was written."""
    before = _counts()
    snapshot = Post.objects.values_list("pk", "title", "body", "score", "is_accepted", "deleted_at").order_by("pk")
    rows = list(snapshot)
    yield
    assert _counts() == before
    assert list(snapshot) == rows


def _refused(response, status: int, *fragments: str) -> str:
    assert response.status_code == status, response.content[:500]
    html = response.content.decode()
    for fragment in fragments:
        assert fragment in html
    return html


# --- asking ------------------------------------------------------------------------------------

ASK_CASES = [
    pytest.param({"title": "", "body": "A perfectly fine body."}, "This field is required.", id="empty-title"),
    pytest.param({"title": "   \t  ", "body": "A perfectly fine body."}, "This field is required.", id="blank-title"),
    pytest.param({"title": "Hi", "body": "A perfectly fine body."}, "at least 5 characters", id="short-title"),
    pytest.param({"title": "T" * 201, "body": "A perfectly fine body."}, "at most 200 characters", id="long-title"),
    pytest.param(
        {"title": "A fine title\x00here", "body": "A perfectly fine body."}, "Null characters", id="nul-title"
    ),
    pytest.param({"title": "A perfectly fine title", "body": ""}, "This field is required.", id="empty-body"),
    pytest.param({"title": "A perfectly fine title", "body": " \n\t "}, "This field is required.", id="blank-body"),
    pytest.param({"title": "A perfectly fine title", "body": "short"}, "at least 10 characters", id="short-body"),
    pytest.param({"title": "A perfectly fine title", "body": "b" * 30001}, "the limit is 30000", id="long-body"),
    pytest.param({"title": "A perfectly fine title", "body": "Body with\x00a NUL."}, "Null characters", id="nul-body"),
    pytest.param({"title": "A perfectly fine title", "body": "A fine body.", "tags": "nope"}, "Unknown tag", id="tag"),
    pytest.param(
        {"title": "A perfectly fine title", "body": "A fine body.", "tags": "<b>"}, "not a valid tag", id="tag2"
    ),
    pytest.param(
        {"title": "A perfectly fine title", "body": "A fine body.", "tags": "a b c d e f"}, "at most 5 tags", id="tags"
    ),
    pytest.param({"product": "999999", "title": "A fine title", "body": "A fine body."}, "valid choice", id="product"),
    pytest.param({"product": "router", "title": "A fine title", "body": "A fine body."}, "valid choice", id="product2"),
    pytest.param({"product": "9" * 30, "title": "A fine title", "body": "A fine body."}, "valid choice", id="product3"),
]


@pytest.mark.parametrize(("data", "message"), ASK_CASES)
def test_ask_refuses_bad_input(alice_client, product, unchanged, data, message):
    for name in ("a", "b", "c", "d", "e", "f"):
        TagFactory(product=product, name=name)
    Tag.objects.filter(name__in="abcdef").delete()  # exist only long enough to be valid names
    response = alice_client.post(reverse("forum:ask"), {"product": product.pk, "tags": "", **data})
    _refused(response, 400, message)


def test_ask_with_unknown_product_slug_is_404(alice_client, unchanged):
    _refused(alice_client.get(reverse("forum:ask_in_product", args=["no-such-product"])), 404)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"title=Hello+%FF%FE+world&body=Some+body+text+here.", id="title"),
        pytest.param(b"title=Hello+there+world&body=Body+%C3%28+bad+bytes+here.", id="body"),
        pytest.param(b"title=Hello+there+world&body=Truncated+\xe4\xb8", id="raw-bytes"),
    ],
)
def test_ask_refuses_invalid_utf8(alice_client, product, unchanged, raw):
    body = b"product=%d&" % product.pk + raw
    response = alice_client.post(reverse("forum:ask"), data=body, content_type=FORM)
    _refused(response, 400, "not valid UTF-8 text")


def _multipart(boundary: str, fields: list[tuple[str, bytes]]) -> bytes:
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
        for name, value in fields
    ]
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


def test_invalid_utf8_in_a_multipart_body_is_refused(alice_client, product, unchanged):
    body = _multipart(
        "XyZ", [("product", str(product.pk).encode()), ("title", b"Hello \xff\xfe world"), ("body", b"A fine body.")]
    )
    response = alice_client.post(reverse("forum:ask"), data=body, content_type="multipart/form-data; boundary=XyZ")
    _refused(response, 400, "not valid UTF-8 text")


def test_valid_utf8_and_a_real_replacement_character_are_accepted(alice_client, product):
    title = quote("问道 \ufffd works")
    body = quote("中文正文内容，足够长的一段话。")
    data = f"product={product.pk}&title={title}&body={body}"
    response = alice_client.post(reverse("forum:ask"), data=data, content_type=FORM)
    assert response.status_code == 302
    assert Post.objects.get().title == "问道 \ufffd works"


# --- answers and comments ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "This field is required."),
        ("    \n ", "This field is required."),
        ("tiny", "at least 10 characters"),
        ("x" * 30001, "the limit is 30000"),
        ("An answer\x00with NUL", "Null characters"),
    ],
)
def test_answer_refuses_bad_bodies_and_keeps_the_text(erin_client, question, unchanged, body, message):
    response = erin_client.post(reverse("forum:answer", args=[question.pk]), {"body": body})
    html = _refused(response, 400, message)
    if body.strip() and "\x00" not in body:
        assert body[:30] in html  # what they typed is still there to fix


def test_answer_with_invalid_utf8_is_refused(erin_client, question, unchanged):
    response = erin_client.post(
        reverse("forum:answer", args=[question.pk]), data=b"body=Caf\xe9+is+not+UTF-8+text", content_type=FORM
    )
    _refused(response, 400, "not valid UTF-8 text")


def test_answer_to_unknown_or_non_question_is_404(erin_client, answer, unchanged):
    _refused(erin_client.post(reverse("forum:answer", args=[999999]), {"body": "A fine answer body."}), 404)
    _refused(erin_client.post(reverse("forum:answer", args=[answer.pk]), {"body": "A fine answer body."}), 404)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "This field is required."),
        ("  ", "This field is required."),
        ("x", "at least 2 characters"),
        ("x" * 601, "at most 600 characters"),
        ("a\x00b", "Null characters"),
    ],
)
def test_comment_refuses_bad_bodies(bob_client, question, unchanged, body, message):
    response = bob_client.post(reverse("forum:comment", args=[question.pk]), {"body": body})
    _refused(response, 400, message)


# --- votes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "up", "2", "-2", "1.0", "9" * 40, "\x00", "１"])
def test_vote_values_other_than_plus_minus_one_or_zero(alice_client, answer, unchanged, value):
    response = alice_client.post(reverse("forum:vote", args=[answer.pk]), {"value": value})
    _refused(response, 400, "A vote is +1, -1, or 0")


def test_vote_on_own_post_is_refused(bob_client, answer, unchanged):
    _refused(bob_client.post(reverse("forum:vote", args=[answer.pk]), {"value": 1}), 403, "your own post")
    _refused(bob_client.post(reverse("forum:vote", args=[answer.pk]), {"value": 1}, **HTMX), 403, "your own post")


def test_voting_twice_changes_nothing(alice_client, answer):
    alice_client.post(reverse("forum:vote", args=[answer.pk]), {"value": 1})
    before = _counts()
    response = alice_client.post(reverse("forum:vote", args=[answer.pk]), {"value": 1})
    _refused(response, 400, "You have already voted on this post.")
    assert _counts() == before
    answer.refresh_from_db()
    assert (answer.score, answer.upvotes) == (1, 1)


def test_retracting_a_vote_never_cast(alice_client, answer, unchanged):
    _refused(alice_client.post(reverse("forum:vote", args=[answer.pk]), {"value": 0}), 400, "You have not voted")


def test_vote_on_unknown_post_is_404(alice_client, unchanged):
    _refused(alice_client.post(reverse("forum:vote", args=[999999]), {"value": 1}), 404)


# --- accepting, editing, deleting someone else's ------------------------------------------------


def test_accepting_on_someone_elses_question(bob_client, erin_client, answer, unchanged):
    for client in (bob_client, erin_client):
        _refused(client.post(reverse("forum:accept", args=[answer.pk])), 403, "Only the person who asked")


def test_accepting_a_question_or_unaccepting_nothing(alice_client, question, answer, unchanged):
    _refused(alice_client.post(reverse("forum:accept", args=[question.pk])), 404)
    _refused(alice_client.post(reverse("forum:accept", args=[answer.pk]), {"undo": "1"}), 400, "not accepted")


def test_accepting_twice(alice_client, answer):
    alice_client.post(reverse("forum:accept", args=[answer.pk]))
    _refused(alice_client.post(reverse("forum:accept", args=[answer.pk])), 400, "already accepted")
    assert Post.objects.filter(is_accepted=True).count() == 1


def test_editing_someone_elses_post(alice_client, bob_client, question, answer, unchanged):
    data = {"title": "A changed title", "body": "A changed body text.", "reason": "mine now"}
    _refused(alice_client.post(reverse("forum:edit", args=[answer.pk]), data), 403, "only edit your own")
    _refused(bob_client.post(reverse("forum:edit", args=[question.pk]), data), 403, "only edit your own")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "body": "A changed body text."}, "This field is required."),
        ({"title": "A fine new title", "body": "b" * 30001}, "the limit is 30000"),
        ({"title": "A fine new title", "body": "A changed body.", "reason": "r" * 301}, "at most 300 characters"),
        ({"title": "A fine new title", "body": "A changed body.", "reason": "why\x00"}, "Null characters"),
        ({"title": "A fine new title", "body": "A changed body.", "tags": "unknown"}, "Unknown tag"),
    ],
)
def test_edit_refuses_bad_input(alice_client, question, unchanged, data, message):
    _refused(alice_client.post(reverse("forum:edit", args=[question.pk]), data), 400, message)


def test_deleting_someone_elses_post_or_twice(alice_client, bob_client, answer, unchanged):
    _refused(alice_client.post(reverse("forum:delete", args=[answer.pk])), 403, "only delete your own")
    _refused(bob_client.post(reverse("forum:undelete", args=[answer.pk])), 403, "not deleted")


# --- ids, query strings and methods ------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/q/abc/",
        "/q/-1/",
        "/q/99999999999999999999999999/",
        "/posts/1.5/history/",
        "/posts/99999999999999999999999999/history/",
        "/users/abc/",
        "/users/99999999999999999999999999/",
        "/p/%FF/",
        "/p/no-such-product/",
    ],
)
def test_bad_ids_in_addresses_are_404(client, unchanged, path):
    _refused(client.get(path), 404)


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("tag=no-such-tag", 404, "does not exist"),
        ("tag=%00", 400, "null character"),
        ("tag=wifi%00", 400, "null character"),
        ("tag=%FF", 400, "not valid UTF-8"),
        ("tag=" + "x" * 5000, 404, "does not exist"),
        ("page=-1", 200, ""),
        ("page=99999999999999999999999999", 200, ""),
        ("sort=%E2%80%AE", 200, ""),
    ],
)
def test_product_page_query_strings(client, product, unchanged, query, status, message):
    _refused(client.get(f"{product.get_absolute_url()}?{query}"), status, message)


@pytest.mark.parametrize("name", ["answer", "comment", "vote", "accept", "delete", "undelete"])
def test_get_on_post_only_endpoints_is_405_with_a_message(alice_client, client, answer, unchanged, name):
    pk = answer.question_id if name == "answer" else answer.pk
    for who in (alice_client, client):
        response = who.get(reverse(f"forum:{name}", args=[pk]))
        if who is client and response.status_code == 302:
            continue  # anonymous visitors are sent to log in first
        html = _refused(response, 405, "only accepts form submissions")
        assert response["Allow"] == "POST"
        assert "<html" in html


def test_get_on_preview_is_405(client, unchanged):
    _refused(client.get(reverse("forum:preview")), 405, "only accepts form submissions")


def test_post_without_csrf_token_is_403(alice, question, unchanged):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    response = strict.post(reverse("forum:answer", args=[question.pk]), {"body": "A sneaky cross-site answer."})
    assert response.status_code == 403


# --- accounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"username": "dora\x00", "email": "dora@example.com"},
        {"username": "d" * 151, "email": "dora@example.com"},
        {"username": "dora", "email": "not-an-email"},
        {"username": "dora", "email": "dora\x00@example.com"},
        {"username": "dora smith!", "email": "dora@example.com"},
    ],
)
def test_signup_refuses_bad_input(client, unchanged, data):
    response = client.post(
        reverse("forum:signup"), {"password1": "a-long-Passphrase-9", "password2": "a-long-Passphrase-9", **data}
    )
    _refused(response, 400, 'class="errorlist"')


def test_login_with_nul_or_invalid_utf8(client, alice, unchanged):
    response = client.post(reverse("login"), {"username": "alice\x00", "password": "x"})
    assert response.status_code in (200, 400) and not response.context["user"].is_authenticated
    response = client.post(reverse("login"), data=b"username=ali%FFce&password=x", content_type=FORM)
    _refused(response, 400, "not valid UTF-8")


def test_password_reset_with_nul(client, unchanged):
    response = client.post(reverse("password_reset"), {"email": "a\x00@example.com"})
    assert response.status_code in (200, 400)
    assert "Enter a valid email address." in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"display_name": "x" * 101},
        {"display_name": "Al\x00ice"},
        {"bio": "b" * 2001},
        {"preferred_language": "klingon"},
    ],
)
def test_profile_edit_refuses_bad_input(alice_client, alice, unchanged, data):
    response = alice_client.post(reverse("forum:profile_edit"), {"display_name": "", "bio": "", **data})
    _refused(response, 400, 'class="errorlist"')
    alice.refresh_from_db()
    assert alice.display_name == "" and alice.bio == ""


def test_api_gets_the_refusal_as_json(client, unchanged):
    response = client.get("/api/v1/questions/?tag=%00")
    assert response.status_code == 400
    assert response.json()["message"] == "The address contains a null character, which is not allowed."


@pytest.mark.parametrize(
    ("title", "body", "accepted"),
    [
        ("无法联网", "路由器突然断网了", True),  # 4 and 8 Chinese characters: real content
        ("断网", "路由器突然断网了", False),  # 2 characters: too short, like "help"
        ("无法联网", "断网了", False),  # a 3-character body says too little
        ("help", "Some body text.", False),
    ],
)
def test_minimum_lengths_count_chinese_characters_fairly(alice_client, product, title, body, accepted):
    response = alice_client.post(reverse("forum:ask"), {"product": product.pk, "title": title, "body": body})
    assert (response.status_code == 302) is accepted
    assert Post.objects.filter(title=title).exists() is accepted

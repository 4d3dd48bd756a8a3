"""The Stack Exchange import: the real conlang dump, small hand-made dumps for each mapping rule,
and broken dumps that must be refused with nothing written."""

from io import StringIO
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from django.utils import translation
from haystack import connections

from forum.importers.stackexchange import detect_site, parse_tags, read_dump
from forum.models import Comment, Post, Product, ProductAuthority, Revision, Tag, User, Vote

from ..factories import UserFactory

CONLANG = Path(settings.WENDAO["STACKEXCHANGE_DATA_DIR"]) / "conlang"
needs_conlang = pytest.mark.skipif(not CONLANG.is_dir(), reason=f"the conlang dump is not at {CONLANG}")

TABLES = (User, Product, Tag, Post, Post.tags.through, Revision, Comment, Vote)


def table_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def _xml(root: str, rows: list[dict]) -> str:
    body = "\n".join("  <row " + " ".join(f"{k}={quoteattr(str(v))}" for k, v in row.items()) + " />" for row in rows)
    return f'\ufeff<?xml version="1.0" encoding="utf-8"?>\n<{root}>\n{body}\n</{root}>\n'


USERS = [
    {"Id": "-1", "CreationDate": "2021-01-01T00:00:00.000", "DisplayName": "Community"},
    {"Id": "7", "CreationDate": "2021-02-01T10:00:00.000", "DisplayName": "Ada Lovelace"},
    {"Id": "8", "CreationDate": "2021-02-02T10:00:00.000", "DisplayName": "Alan Turing"},
]
POSTS = [
    {
        "Id": "1",
        "PostTypeId": "1",
        "CreationDate": "2021-03-01T09:00:00.000",
        "Title": "How do I reset the node?",
        "Body": "<p>It <strong>hangs</strong> at boot.</p><script>alert(1)</script>",
        "OwnerUserId": "7",
        "Tags": "|node|reset|",
        "ViewCount": "42",
        "Score": "99",
        "LastActivityDate": "2021-03-02T09:00:00.000",
        "ContentLicense": "CC BY-SA 4.0",
    },
    {
        "Id": "2",
        "PostTypeId": "2",
        "ParentId": "1",
        "CreationDate": "2021-03-01T12:00:00.000",
        "Body": "<p>Hold the button, see <a href='https://docs.example.org/reset'>the docs</a>.</p>",
        "OwnerUserId": "8",
        "LastActivityDate": "2021-03-01T12:00:00.000",
        "ContentLicense": "CC BY-SA 4.0",
    },
    {
        "Id": "3",
        "PostTypeId": "2",
        "ParentId": "1",
        "CreationDate": "2021-03-01T13:00:00.000",
        "Body": "<p>Try turning it off and on.</p>",
        "OwnerDisplayName": "user99",
        "LastActivityDate": "2021-03-01T13:00:00.000",
        "ContentLicense": "CC BY-SA 3.0",
    },
    {
        "Id": "4",
        "PostTypeId": "1",
        "CreationDate": "2021-04-01T09:00:00.000",
        "Title": "Node will not reset after update",
        "Body": "<p>Same as before: it hangs.</p>",
        "OwnerUserId": "8",
        "Tags": "<node>",
        "LastActivityDate": "2021-04-01T09:00:00.000",
        "ClosedDate": "2021-04-02T09:00:00.000",
        "ContentLicense": "CC BY-SA 4.0",
    },
    {"Id": "5", "PostTypeId": "4", "CreationDate": "2021-04-01T09:00:00.000", "Body": "<p>Tag wiki.</p>"},
]
VOTES = [
    {"Id": "1", "PostId": "1", "VoteTypeId": "2", "CreationDate": "2021-03-01T00:00:00.000"},
    {"Id": "2", "PostId": "1", "VoteTypeId": "2", "CreationDate": "2021-03-02T00:00:00.000"},
    {"Id": "3", "PostId": "1", "VoteTypeId": "3", "CreationDate": "2021-03-02T00:00:00.000"},
    {"Id": "4", "PostId": "2", "VoteTypeId": "2", "CreationDate": "2021-03-03T00:00:00.000"},
    # Acceptance named only by the vote (the question has no AcceptedAnswerId): dated on the day.
    {"Id": "5", "PostId": "2", "VoteTypeId": "1", "CreationDate": "2021-03-04T00:00:00.000"},
    {"Id": "6", "PostId": "2", "VoteTypeId": "5", "CreationDate": "2021-03-04T00:00:00.000", "UserId": "7"},
    {"Id": "7", "PostId": "999", "VoteTypeId": "2", "CreationDate": "2021-03-04T00:00:00.000"},
]
COMMENTS = [
    {
        "Id": "10",
        "PostId": "1",
        "Text": "Which *firmware* version?",
        "CreationDate": "2021-03-01T09:30:00.000",
        "UserId": "8",
    },  # fmt: skip
    {"Id": "11", "PostId": "2", "Text": "Worked for me, thanks!", "CreationDate": "2021-03-01T14:00:00.000"},
]
LINKS = [{"Id": "1", "PostId": "4", "RelatedPostId": "1", "LinkTypeId": "3", "CreationDate": "2021-04-02T00:00:00.000"}]


def write_dump(folder: Path, **overrides) -> Path:
    """A tiny dump; pass ``posts=[...]`` etc. to change a file, or ``None`` to leave it out."""
    files = {
        "Users.xml": ("users", USERS),
        "Posts.xml": ("posts", POSTS),
        "Votes.xml": ("votes", VOTES),
        "Comments.xml": ("comments", COMMENTS),
        "PostLinks.xml": ("postlinks", LINKS),
        "Tags.xml": ("tags", [{"Id": "1", "TagName": "node"}, {"Id": "2", "TagName": "unused"}]),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for file_name, (root, rows) in files.items():
        key = file_name.removesuffix(".xml").lower()
        rows = overrides.get(key, rows)
        if rows is not None:
            (folder / file_name).write_text(_xml(root, rows), encoding="utf-8")
    return folder


def run_import(folder, product="nodes", **options):
    call_command("import_stackexchange", str(folder), product=product, verbosity=0, **options)


# ----------------------------------------------------------------- the real conlang dump


@needs_conlang
@pytest.mark.django_db
def test_conlang_imports_every_question_answer_and_vote_with_attribution():
    run_import(CONLANG, product="conlang")

    product = Product.objects.get(slug="conlang")
    assert product.source_name == "Conlang Meta Stack Exchange"
    assert product.source_url == "https://conlang.meta.stackexchange.com"
    posts = Post.objects.filter(product=product)
    assert posts.filter(kind="q").count() == 54
    assert posts.filter(kind="a").count() == 115
    assert posts.filter(is_accepted=True).count() == 11
    assert posts.filter(kind="q", has_accepted_answer=True).count() == 11
    # 950 up and 133 down votes in the file, less 18 cast on posts the dump does not hold.
    assert Vote.objects.filter(post__product=product, voter__isnull=True).count() == 1065
    assert User.objects.filter(external_source="stackexchange:conlang.meta.stackexchange.com").count() == 272 + 1
    assert Revision.objects.filter(post__product=product, number=1).count() == 169
    assert not posts.filter(revisions__isnull=True).exists()
    assert Tag.objects.filter(product=product).count() == 20

    first = posts.get(external_id="1")
    assert first.title == "Are questions asked in conlangs accepted on this site?"
    assert first.source_url == "https://conlang.meta.stackexchange.com/q/1"
    assert first.source_license == "CC BY-SA 3.0"
    assert first.source_author == first.author.display_name
    assert "**do we accept questions asked in (popular) conlangs?**" in first.body
    assert "<strong>do we accept" in first.body_html
    assert set(first.tags.values_list("name", flat=True)) == {"discussion", "on-topic"}
    assert posts.get(external_id="2").source_url == "https://conlang.meta.stackexchange.com/a/2"


@needs_conlang
@pytest.mark.django_db
def test_conlang_counters_agree_with_the_rows_they_count():
    run_import(CONLANG, product="conlang")

    posts = Post.objects.filter(product__slug="conlang").annotate(
        up=Count("votes", filter=Q(votes__value=1), distinct=True),
        down=Count("votes", filter=Q(votes__value=-1), distinct=True),
        comments_n=Count("comments", distinct=True),
        answers_n=Count("answers", distinct=True),
    )
    for post in posts:
        assert (post.upvotes, post.downvotes, post.score) == (post.up, post.down, post.up - post.down), post.pk
        assert post.comment_count == post.comments_n
        assert post.answer_count == post.answers_n
        assert post.has_accepted_answer == post.answers.filter(is_accepted=True).exists()
    # The dump's own Score agrees with its vote rows for question 1 (10 = 10 up, 0 down).
    assert Post.objects.get(external_id="1", product__slug="conlang").score == 10


@needs_conlang
@pytest.mark.django_db
def test_a_second_run_adds_nothing():
    run_import(CONLANG, product="conlang")
    before = table_counts()
    scores = dict(Post.objects.values_list("pk", "score"))

    run_import(CONLANG, product="conlang")

    assert table_counts() == before
    assert dict(Post.objects.values_list("pk", "score")) == scores


@needs_conlang
@pytest.mark.django_db
def test_question_page_shows_the_attribution_of_question_answers_and_site(client):
    run_import(CONLANG, product="conlang")
    question = Post.objects.get(product__slug="conlang", external_id="1")
    accepted = question.answers.get(is_accepted=True)

    response = client.get(question.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "https://conlang.meta.stackexchange.com/q/1" in html
    assert f"https://conlang.meta.stackexchange.com/a/{accepted.external_id}" in html
    assert "CC BY-SA 3.0" in html
    assert "Conlang Meta Stack Exchange" in html
    assert accepted.source_author in html


# ----------------------------------------------------------------- mapping rules (small dumps)


@pytest.mark.django_db
def test_small_dump_maps_every_kind_of_row(tmp_path):
    run_import(write_dump(tmp_path / "nodes"), site="nodes.stackexchange.com")

    source = "stackexchange:nodes.stackexchange.com"
    question = Post.objects.get(external_source=source, external_id="1")
    accepted = Post.objects.get(external_source=source, external_id="2")
    ghostly = Post.objects.get(external_source=source, external_id="3")
    duplicate = Post.objects.get(external_source=source, external_id="4")

    assert set(question.tags.values_list("name", flat=True)) == {"node", "reset"}
    assert set(Tag.objects.filter(product__slug="nodes").values_list("name", flat=True)) == {"node", "reset", "unused"}
    assert question.body == "It **hangs** at boot."
    assert "<script" not in question.body_html and "alert" not in question.body_html
    assert (question.upvotes, question.downvotes, question.score) == (2, 1, 1)  # not the dump's Score=99
    assert question.view_count == 42
    assert (question.answer_count, question.comment_count) == (2, 1)
    assert question.has_accepted_answer and accepted.is_accepted
    assert accepted.accepted_at.isoformat() == "2021-03-04T00:00:00+00:00"
    assert 'rel="nofollow ugc noopener"' in accepted.body_html
    assert accepted.author.display_name == "Alan Turing"
    assert accepted.author.date_joined.isoformat() == "2021-02-02T10:00:00+00:00"
    assert not accepted.author.has_usable_password()

    assert ghostly.author.external_id == "deleted-user"
    assert ghostly.source_author == "user99"
    assert ghostly.source_license == "CC BY-SA 3.0"
    assert ghostly.source_url == "https://nodes.stackexchange.com/a/3"
    assert duplicate.duplicate_of == question
    assert duplicate.closed_at is not None
    # The comment without a UserId hangs from the ghost too.
    assert Comment.objects.get(external_id="11").author.external_id == "deleted-user"
    assert "<em>firmware</em>" in Comment.objects.get(external_id="10").body_html

    assert Vote.objects.filter(external_source=source).count() == 4  # favourites, acceptances, strays left out
    assert list(Vote.objects.filter(post=question).order_by("created_at").values_list("value", flat=True)) == [
        1,
        1,
        -1,
    ]
    assert not Post.objects.filter(external_id="5").exists()  # tag wikis are not questions
    revision = question.revisions.get()
    assert (revision.number, revision.author_id, revision.tags) == (1, question.author_id, "node reset")


@pytest.mark.django_db
def test_accepted_answer_id_wins_and_acceptance_never_predates_the_answer(tmp_path):
    posts = [dict(POSTS[0], AcceptedAnswerId="3"), *POSTS[1:]]
    run_import(write_dump(tmp_path / "nodes", posts=posts))

    assert list(Post.objects.filter(is_accepted=True).values_list("external_id", flat=True)) == ["3"]
    answer = Post.objects.get(external_id="3")
    # No acceptance vote names answer 3, so its own date stands in.
    assert answer.accepted_at == answer.created_at


@pytest.mark.django_db
def test_rerun_with_a_grown_dump_adds_only_the_new_rows_and_recounts(tmp_path):
    folder = write_dump(tmp_path / "nodes")
    run_import(folder)
    before = table_counts()
    new_answer = {
        "Id": "6",
        "PostTypeId": "2",
        "ParentId": "4",
        "CreationDate": "2021-04-03T09:00:00.000",
        "Body": "<p>Flash the previous firmware.</p>",
        "OwnerUserId": "7",
        "ContentLicense": "CC BY-SA 4.0",
    }
    new_vote = {"Id": "8", "PostId": "6", "VoteTypeId": "2", "CreationDate": "2021-04-04T00:00:00.000"}
    write_dump(folder, posts=[*POSTS, new_answer], votes=[*VOTES, new_vote])

    run_import(folder)

    after = table_counts()
    assert after["Post"] == before["Post"] + 1
    assert after["Vote"] == before["Vote"] + 1
    assert after["Revision"] == before["Revision"] + 1
    assert after["User"] == before["User"]
    assert Post.objects.get(external_id="4").answer_count == 1
    assert Post.objects.get(external_id="6").score == 1


@pytest.mark.django_db
def test_site_is_read_from_links_between_posts_when_not_given(tmp_path):
    body = "<p>See <a href='https://nodes.stackexchange.com/questions/1/how-do-i-reset-the-node'>this</a>.</p>"
    posts = [*POSTS[:3], dict(POSTS[3], Body=body)]
    run_import(write_dump(tmp_path / "folder-name", posts=posts))

    assert Product.objects.get(slug="nodes").source_url == "https://nodes.stackexchange.com"
    assert Post.objects.get(external_id="1").source_url == "https://nodes.stackexchange.com/q/1"


def test_site_falls_back_to_the_folder_name(tmp_path):
    dump = read_dump(write_dump(tmp_path / "cardano"))
    assert dump.site == "cardano.stackexchange.com"
    assert detect_site(tmp_path / "gaming.meta.stackexchange.com", {}) == "gaming.meta.stackexchange.com"
    assert detect_site(tmp_path / "My Dump <2024>", {}) == "my-dump-2024.stackexchange.com"


def test_both_tag_formats():
    assert parse_tags("<a><b-c><A>") == ("a", "b-c")
    assert parse_tags("|a|b-c|") == ("a", "b-c")
    assert parse_tags("") == ()


@pytest.mark.django_db
def test_new_product_gets_name_and_language_from_the_options(tmp_path):
    run_import(write_dump(tmp_path / "nodes"), name="节点社区", language="zh-hans")

    product = Product.objects.get(slug="nodes")
    assert (product.name, product.language) == ("节点社区", "zh-hans")
    # Data text is written in the product's language (once the catalogue has the string).
    with translation.override("zh-hans"):
        assert User.objects.get(external_id="deleted-user").display_name == translation.gettext("deleted user")


@pytest.mark.django_db
def test_imported_votes_feed_the_authority_index(tmp_path):
    run_import(write_dump(tmp_path / "nodes"))

    question = Post.objects.get(external_id="1")
    for vote in Vote.objects.filter(post=question):
        assert (vote.author_id, vote.product_id) == (question.author_id, question.product_id)
    accepted = Post.objects.get(external_id="2")
    unvoted = Post.objects.get(external_id="3")
    # Ranked by the recompute: an upvoted, accepted answer above one nobody voted for.
    assert accepted.rank_score > unvoted.rank_score
    assert ProductAuthority.objects.filter(user=accepted.author, product=accepted.product).exists()


@pytest.mark.django_db
def test_imported_questions_are_searchable(tmp_path, client):
    connections["default"].get_backend().clear()
    out = StringIO()
    call_command("import_stackexchange", str(write_dump(tmp_path / "nodes")), product="nodes", stdout=out, stderr=out)

    assert "search index: 2 questions" in out.getvalue()
    response = client.get("/search/", {"q": "hangs boot"})
    assert "How do I reset the node?" in response.content.decode()


# ----------------------------------------------------------------- refused dumps: nothing written


def assert_refused(folder, *fragments, **options):
    before = table_counts()
    with pytest.raises(CommandError) as error:
        run_import(folder, **options)
    message = str(error.value)
    for fragment in fragments:
        assert fragment in message, message
    assert "Nothing was imported" in message
    assert table_counts() == before
    return message


@pytest.mark.django_db
def test_malformed_xml_is_refused_with_file_and_line(tmp_path):
    folder = write_dump(tmp_path / "nodes")
    text = (folder / "Posts.xml").read_text(encoding="utf-8")
    (folder / "Posts.xml").write_text(text[: len(text) // 2], encoding="utf-8")

    assert_refused(folder, "Posts.xml is not well-formed XML", "line")


@pytest.mark.django_db
def test_invalid_utf8_is_refused(tmp_path):
    folder = write_dump(tmp_path / "nodes")
    (folder / "Comments.xml").write_bytes(_xml("comments", COMMENTS).encode().replace(b"thanks", b"thanks\xff\xfe"))

    assert_refused(folder, "Comments.xml is not well-formed XML")


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["Posts.xml", "Users.xml", "Votes.xml"])
def test_a_missing_required_file_is_refused(tmp_path, missing):
    folder = write_dump(tmp_path / "nodes")
    (folder / missing).unlink()

    assert_refused(folder, f"{missing} is missing")


@pytest.mark.django_db
def test_optional_files_may_be_missing(tmp_path):
    run_import(write_dump(tmp_path / "nodes", comments=None, postlinks=None, tags=None))

    assert Post.objects.count() == 4
    assert not Comment.objects.exists()
    assert Post.objects.get(external_id="4").duplicate_of is None


@pytest.mark.django_db
def test_a_missing_folder_is_refused(tmp_path):
    assert_refused(tmp_path / "nowhere", "is not a folder")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        ({"CreationDate": "yesterday"}, ["Posts.xml, line 4 (row Id=2)", "CreationDate", "yesterday"]),
        ({"Id": "two"}, ["Posts.xml, line 4", "Id must be a whole number"]),
        ({"PostTypeId": None}, ["Posts.xml, line 4 (row Id=2)", "PostTypeId is missing"]),
        ({"ParentId": "x"}, ["ParentId must be a whole number"]),
        ({"Id": "1"}, ["the Id 1 appears twice"]),
    ],
)
def test_a_bad_attribute_is_refused_naming_file_line_and_row(tmp_path, change, fragments):
    answer = {k: v for k, v in {**POSTS[1], **change}.items() if v is not None}
    folder = write_dump(tmp_path / "nodes", posts=[POSTS[0], answer, *POSTS[2:]])

    assert_refused(folder, *fragments)


@pytest.mark.django_db
def test_a_question_without_title_is_refused(tmp_path):
    folder = write_dump(tmp_path / "nodes", posts=[{**POSTS[0], "Title": "  "}, *POSTS[1:]])

    assert_refused(folder, "needs a Title")


@pytest.mark.django_db
def test_a_bad_vote_date_is_refused_even_after_good_posts(tmp_path):
    votes = [*VOTES, {"Id": "9", "PostId": "1", "VoteTypeId": "2", "CreationDate": "2021-13-45"}]

    assert_refused(write_dump(tmp_path / "nodes", votes=votes), "Votes.xml", "row Id=9", "CreationDate")


@pytest.mark.django_db
def test_the_wrong_document_is_refused(tmp_path):
    folder = write_dump(tmp_path / "nodes")
    (folder / "Users.xml").write_text(_xml("posts", POSTS), encoding="utf-8")

    assert_refused(folder, "Users.xml", "expected a <users> document")


@pytest.mark.django_db
def test_entity_declarations_are_refused(tmp_path):
    folder = write_dump(tmp_path / "nodes")
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE users [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n'
        '<users><row Id="1" CreationDate="2021-01-01T00:00:00" DisplayName="&b;" /></users>'
    )
    (folder / "Users.xml").write_text(bomb, encoding="utf-8")

    assert_refused(folder, "Users.xml", "document type declarations are not allowed")


@pytest.mark.django_db
def test_a_site_option_that_is_not_a_host_is_refused(tmp_path):
    assert_refused(write_dump(tmp_path / "nodes"), "is not a host name", site="not a host/<script>")


@pytest.mark.django_db
def test_a_failure_while_writing_leaves_nothing_behind(tmp_path):
    # A local account already holds the user name the import needs: refused mid-way, rolled back.
    UserFactory(username="se-nodes-8")

    message = assert_refused(write_dump(tmp_path / "nodes"), "se-nodes-8", site="nodes.stackexchange.com")

    assert "taken" in message
    assert not Product.objects.filter(slug="nodes").exists()


@pytest.mark.django_db
def test_importing_the_same_site_into_a_second_product_is_refused(tmp_path):
    folder = write_dump(tmp_path / "nodes")
    run_import(folder, product="nodes")

    assert_refused(folder, "already imported into the product “nodes”", product="elsewhere")
    assert not Product.objects.filter(slug="elsewhere").exists()


@pytest.mark.django_db
def test_a_product_that_is_not_a_slug_is_refused(tmp_path):
    with pytest.raises(CommandError, match="is not a slug"):
        run_import(write_dump(tmp_path / "nodes"), product="Not A Slug")

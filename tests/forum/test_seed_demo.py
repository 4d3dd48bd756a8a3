"""The demo community: deterministic, consistent with every invariant, loaded once, and it renders."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from django.test import override_settings
from django.urls import reverse
from django.utils.html import escape

from forum.demo.content import DEMO_PASSWORD, PEOPLE, PRODUCTS, THREADS
from forum.models import Comment, Endorsement, Post, Product, Revision, Role, RoleAssignment, Tag, User, Vote

CONLANG = Path(django_settings.WENDAO["STACKEXCHANGE_DATA_DIR"]) / "conlang"
TABLES = (User, Product, Tag, RoleAssignment, Post, Revision, Comment, Vote, Endorsement)


def table_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


@pytest.fixture
def data_dir(settings, tmp_path):
    """An empty STACKEXCHANGE_DATA_DIR, so the demo does not depend on what the machine holds."""
    settings.WENDAO = {**settings.WENDAO, "STACKEXCHANGE_DATA_DIR": str(tmp_path)}
    return tmp_path


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


# Tests that load the demo themselves come first: the module-wide demo below is committed, so
# nothing that needs an empty database may run while it exists.
@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once for the read-only tests below (loading takes seconds) and removed after."""
    empty = tmp_path_factory.mktemp("no-dumps")
    # The same fast hasher tests/conftest.py sets for each test, or the demo password would not check.
    fast_hasher = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    dumps = {**django_settings.WENDAO, "STACKEXCHANGE_DATA_DIR": str(empty)}
    with override_settings(WENDAO=dumps, PASSWORD_HASHERS=fast_hasher):
        with django_db_blocker.unblock():
            output = seed()
        yield output
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo(demo_output, db):
    return demo_output


def test_once_does_nothing_when_the_demo_is_there(db, data_dir):
    seed("--once")
    before = table_counts()

    out = seed("--once")

    assert table_counts() == before
    assert "already loaded" in out
    assert out.rstrip().endswith("Administrator")  # the logins come last, on every run
    assert DEMO_PASSWORD in out
    assert not Product.objects.filter(slug="cardano").exists()  # no dump in the data folder


@pytest.mark.skipif(not CONLANG.is_dir(), reason="needs the conlang dump")
def test_once_imports_the_cardano_dump_when_its_folder_exists(db, data_dir):
    # The small conlang dump stands in for cardano: same format, a fraction of the time.
    (data_dir / "cardano").symlink_to(CONLANG, target_is_directory=True)

    seed("--once")
    cardano = Product.objects.get(slug="cardano")
    assert cardano.posts.filter(kind="q").count() == 54
    assert cardano.source_url == "https://conlang.meta.stackexchange.com"
    before = table_counts()

    seed("--once")

    assert table_counts() == before


# ----------------------------------------------------------------- one demo, loaded once, read by the rest


def test_without_once_a_second_load_is_refused(demo):
    before = table_counts()
    with pytest.raises(CommandError, match="already loaded"):
        seed()
    assert table_counts() == before


def test_the_demo_has_the_same_rows_every_time(demo):
    posts = Post.objects.all()
    assert Product.objects.count() == 3
    assert User.objects.count() == 13
    assert posts.filter(kind="q").count() == 17
    assert posts.filter(kind="a").count() == 24
    assert Comment.objects.count() == 11
    assert Vote.objects.count() == 80
    assert Vote.objects.filter(value=Vote.DOWN).count() == 1
    assert posts.filter(is_accepted=True).count() == 12
    assert Endorsement.objects.count() == 4
    assert Revision.objects.filter(number=2).count() == 4
    assert posts.filter(kind="q", answer_count=0).count() == 1  # one unanswered question to sort by
    # The numbers above are the content module's, counted another way.
    assert posts.filter(kind="q").count() == len(THREADS)
    assert posts.filter(kind="a").count() == sum(len(thread.answers) for thread in THREADS)


def test_two_products_are_in_chinese_and_one_in_english(demo):
    languages = dict(Product.objects.values_list("slug", "language"))
    assert languages == {"router-ax3000": "zh-hans", "cloud-drive": "zh-hans", "home-camera": "en"}
    router = Post.objects.filter(product__slug="router-ax3000", kind="q")
    assert router.filter(title__contains="路由器").exists()
    assert Tag.objects.filter(product__slug="router-ax3000", name="mesh组网", posts__isnull=False).exists()


def test_people_have_their_roles_and_the_demo_password(demo):
    experts = set(RoleAssignment.objects.filter(role=Role.EXPERT).values_list("user__username", "product__slug"))
    assert experts == {("zhoukai", "router-ax3000"), ("linna", "cloud-drive"), ("daniel", "home-camera")}
    assert RoleAssignment.objects.get(role=Role.KNOWLEDGE_EDITOR).user.username == "sunyue"
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    customers = User.objects.exclude(roles__isnull=False).exclude(is_superuser=True)
    assert customers.count() == 8
    for user in User.objects.all():
        assert user.check_password(DEMO_PASSWORD), user.username


def test_every_counter_agrees_with_its_rows(demo):
    posts = Post.objects.annotate(
        up=Count("votes", filter=Q(votes__value=1), distinct=True),
        down=Count("votes", filter=Q(votes__value=-1), distinct=True),
        comments_n=Count("comments", distinct=True),
        answers_n=Count("answers", distinct=True),
        accepted_n=Count("answers", filter=Q(answers__is_accepted=True), distinct=True),
        revisions_n=Count("revisions", distinct=True),
    )
    for post in posts:
        assert (post.upvotes, post.downvotes, post.score) == (post.up, post.down, post.up - post.down)
        assert post.comment_count == post.comments_n
        assert post.answer_count == post.answers_n
        assert post.has_accepted_answer == (post.accepted_n == 1)
        assert post.revisions_n == (2 if post.edited_at else 1)
        assert not Vote.objects.filter(post=post, voter=post.author).exists()


def test_the_demo_is_dated_in_a_plausible_past(demo):
    for answer in Post.objects.filter(kind="a").select_related("question"):
        assert answer.created_at > answer.question.created_at
        assert answer.question.last_activity_at >= answer.created_at
        if answer.is_accepted:
            assert answer.accepted_at > answer.created_at
    oldest = Post.objects.order_by("created_at").first()
    assert oldest.created_at.date() < Post.objects.order_by("-created_at").first().created_at.date()
    for revision in Revision.objects.filter(number=2).select_related("post"):
        assert revision.created_at == revision.post.edited_at > revision.post.created_at


def test_the_command_prints_every_login_and_the_password(demo):
    assert DEMO_PASSWORD in demo
    for person in PEOPLE:
        assert person.username in demo
    assert "Knowledge editor" in demo and "Expert · 问道云盘" in demo


# ----------------------------------------------------------------- the pages, with the demo in them


def test_home_and_product_pages_render(demo, client):
    home = client.get("/")
    assert home.status_code == 200
    for product in PRODUCTS:
        assert product.name in home.content.decode()
        page = client.get(Product.objects.get(slug=product.slug).get_absolute_url())
        assert page.status_code == 200
        for thread in THREADS:
            if thread.product == product.slug:
                assert escape(thread.title) in page.content.decode()


def test_every_question_page_renders_with_badges_and_acceptance(demo, client):
    for question in Post.objects.filter(kind="q"):
        response = client.get(question.get_absolute_url())
        assert response.status_code == 200
        html = response.content.decode()
        assert escape(question.title) in html
        if question.has_accepted_answer:
            assert "accepted" in html
    mesh = Post.objects.get(title__startswith="两台 AX3000")
    assert "周凯" in client.get(mesh.get_absolute_url()).content.decode()


def test_a_demo_customer_can_sign_in_and_see_their_profile(demo, client):
    assert client.login(username="liming", password=DEMO_PASSWORD)
    liming = User.objects.get(username="liming")

    response = client.get(liming.get_absolute_url())

    assert response.status_code == 200
    assert "李明" in response.content.decode()


def test_an_edited_post_shows_its_history(demo, client):
    edited = Post.objects.filter(edited_at__isnull=False, kind="q").get()

    response = client.get(reverse("forum:history", args=[edited.pk]))

    assert response.status_code == 200
    assert "补充升级 1.3.1 之后的结果" in response.content.decode()

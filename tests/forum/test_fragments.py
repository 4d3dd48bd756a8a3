"""The question page's shared fragments (forum/fragments.py): rendered once, never stale.

Every value a fragment shows is part of its cache key, so each test changes one such value
behind the page's back (as another request or a worker would) and checks the next reader sees it.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from forum import authority_store, fragments, moderation, page_cache, services
from forum.local_lru import LocalLRU
from forum.models import Post, ProductAuthority
from forum.post_urls import POST_ACTIONS, PostUrls
from tests.factories import make_answer, make_question

pytestmark = pytest.mark.django_db

FRAGMENT = "forum/fragments/post_head.html"


@pytest.fixture(autouse=True)
def _pages_rendered_every_time(settings):
    # These tests are about rendering; kept anonymous pages (forum/page_cache.py) and kept threads
    # (forum/thread_cache.py, which may show changes outside a thread up to a minute late) have
    # their own.
    settings.WENDAO = {**settings.WENDAO, "ANONYMOUS_PAGE_SECONDS": 0, "THREAD_SECONDS": 0}


@pytest.fixture
def thread(alice, bob, product):
    question = make_question(author=alice, product=product, title="Pairing fails", body="The LED blinks **red**.")
    answer = make_answer(question=question, author=bob, body="Hold *reset* for ten seconds.")
    services.comment_add(author=alice, post=answer, body="That worked, thanks!")
    return question, answer


def _page(client, question) -> str:
    response = client.get(question.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _templates(client, question) -> set[str]:
    response = client.get(question.get_absolute_url())
    return {template.name for template in response.templates}


def test_second_reader_gets_the_fragments_from_the_cache(thread, alice):
    question, _answer = thread
    assert FRAGMENT in _templates(Client(), question)
    assert FRAGMENT not in _templates(Client(), question)
    # The kept HTML is still HTML (not escaped a second time) when it comes from the cache.
    assert "<strong>red</strong>" in _page(Client(), question)
    # A signed-in reader shares them too: only the votes and actions are rendered for them.
    reader = Client()
    reader.force_login(alice)
    assert FRAGMENT not in _templates(reader, question)


def test_an_edit_shows_at_once(thread, bob):
    question, answer = thread
    assert "ten seconds" in _page(Client(), question)
    services.post_edit(editor=bob, post=answer, body="Hold *reset* for **twenty** seconds.", reason="typo")
    html = _page(Client(), question)
    assert "<strong>twenty</strong>" in html and "ten seconds" not in html


def test_a_new_comment_and_a_changed_name_show_at_once(thread, alice, bob):
    question, answer = thread
    _page(Client(), question)
    services.comment_add(author=bob, post=answer, body="Glad it helped.")
    bob.display_name = "Bob the Builder"
    bob.save(update_fields=["display_name"])
    html = _page(Client(), question)
    assert "Glad it helped." in html and "Bob the Builder" in html


def _badge(user, product) -> str:
    return f"Authority </span>{authority_store.authority_of(user.pk, product.pk).index}</span>"


def test_an_authority_change_elsewhere_shows_at_once(thread, bob, product):
    question, _answer = thread
    before = _badge(bob, product)
    assert before in _page(Client(), question)
    # As a vote on another question would: only the stored authority changes, not this thread.
    ProductAuthority.objects.update_or_create(user=bob, product=product, defaults={"anchor": 10_000_000})
    after = _badge(bob, product)
    assert after != before
    html = _page(Client(), question)
    assert after in html


def test_an_endorsement_shows_at_once(thread, erin):
    question, answer = thread
    assert "Verified by" not in _page(Client(), question)
    services.answer_endorse(expert=erin, answer=answer, note="Checked on firmware 2.1")
    assert "Checked on firmware 2.1" in _page(Client(), question)


def test_each_language_gets_its_own_fragments(thread):
    question, _answer = thread
    english = Client().get(question.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = Client().get(question.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Why this order?" in english
    assert "Why this order?" not in chinese and "为什么" in chinese


def test_a_hidden_post_body_is_cached_apart_for_its_author(thread, alice, bob):
    question, answer = thread
    Post.objects.filter(pk=answer.pk).update(hidden_at=timezone.now())
    assert "ten seconds" not in _page(Client(), question)
    author = Client()
    author.force_login(bob)
    assert "ten seconds" in _page(author, question)
    reader = Client()
    reader.force_login(alice)
    assert "ten seconds" not in _page(reader, question)


def test_relative_times_move_on(thread, monkeypatch):
    """A young thread's fragments are re-rendered the next minute, an old one's the next hour."""
    question, _answer = thread
    now = timezone.now()
    assert FRAGMENT in _templates(Client(), question)
    monkeypatch.setattr(fragments.timezone, "now", lambda: now + timedelta(seconds=61))
    assert FRAGMENT in _templates(Client(), question)
    assert FRAGMENT not in _templates(Client(), question)


def test_time_buckets():
    now = timezone.now().replace(minute=30, second=30)
    young, old = [now - timedelta(minutes=5)], [now - timedelta(days=3)]
    minute, hour = timedelta(minutes=1), timedelta(hours=1)
    assert fragments._time_bucket(young, now) != fragments._time_bucket(young, now + minute)
    assert fragments._time_bucket(old, now) == fragments._time_bucket(old, now + minute)
    assert fragments._time_bucket(old, now) != fragments._time_bucket(old, now + hour)


def test_reader_parts_are_not_shared(thread, alice, bob):
    """The asker sees "Accept", the answer's author sees "Edit", an anonymous reader neither."""
    question, answer = thread
    anonymous = _page(Client(), question)
    asker, author = Client(), Client()
    asker.force_login(alice)
    author.force_login(bob)
    accept = reverse("forum:accept", args=[answer.pk])
    edit = reverse("forum:edit", args=[answer.pk])
    assert accept not in anonymous and edit not in anonymous
    assert accept in _page(asker, question)
    assert edit in _page(author, question) and accept not in _page(author, question)


def test_post_urls_are_the_reversed_urls():
    urls = PostUrls(4321)
    for name in POST_ACTIONS:
        assert getattr(urls, name) == reverse(f"forum:{name}", args=[4321])
    with pytest.raises(AttributeError):
        _ = urls.unknown


@override_settings(FORCE_SCRIPT_NAME="/community/")
def test_post_urls_follow_the_script_prefix():
    from django.urls import set_script_prefix

    set_script_prefix("/community/")
    try:
        assert PostUrls(7).edit == reverse("forum:edit", args=[7]) == "/community/posts/7/edit/"
    finally:
        set_script_prefix("/")


def test_a_process_serves_its_own_copies_without_asking_the_shared_cache(thread, monkeypatch):
    question, _answer = thread
    assert FRAGMENT in _templates(Client(), question)

    class NoSharedCache:
        def get_many(self, keys):
            raise AssertionError("the shared cache was asked for fragments this process holds")

        def set_many(self, items, timeout):
            raise AssertionError("nothing was missing")

    monkeypatch.setattr(fragments, "cache", NoSharedCache())
    response = Client().get(question.get_absolute_url())
    assert FRAGMENT not in {template.name for template in response.templates}
    assert "Hold <em>reset</em> for ten seconds." in response.content.decode()


def test_a_new_process_takes_the_shared_copies(thread):
    question, _answer = thread
    assert FRAGMENT in _templates(Client(), question)
    fragments.local_copies.clear()  # as in a worker that has just started
    assert FRAGMENT not in _templates(Client(), question)


def test_local_copies_keep_the_most_recently_used():
    copies = LocalLRU(2)
    copies.set_many({"a": 1, "b": 2})
    assert copies.get_many(["a"]) == {"a": 1}  # "a" is now the most recent
    copies.set_many({"c": 3})
    assert copies.get_many(["a", "b", "c"]) == {"a": 1, "c": 3}


# --- The post as each kind of reader sees it ---------------------------------------------------

READER_TEMPLATE = "forum/fragments/post_for_reader.html"


def _vote_pressed(html: str, post) -> bool:
    votes = html.split(f'id="votes-{post.pk}-inner"', 1)[1].split("</div>", 1)[0]
    return 'class="vote up active"' in votes


def test_readers_in_the_same_state_share_the_post_and_each_sees_their_own_vote(thread, alice, kate):
    question, answer = thread
    voter, other = Client(), Client()
    voter.force_login(kate)
    other.force_login(alice)
    assert READER_TEMPLATE in _templates(voter, question)
    assert READER_TEMPLATE not in _templates(voter, question)  # the same reader again: nothing rendered
    services.vote_cast(voter=kate, post=answer, value=1)
    voted = _page(voter, question)
    assert _vote_pressed(voted, answer)
    assert not _vote_pressed(_page(other, question), answer)
    assert not _vote_pressed(_page(Client(), question), answer)


def test_the_page_carries_the_readers_own_csrf_token_and_its_forms_work(thread, kate):
    question, answer = thread
    reader = Client(enforce_csrf_checks=True)
    reader.force_login(kate)
    _page(reader, question)  # the kept post HTML holds a placeholder, never a reader's token
    html = _page(reader, question)
    assert page_cache.CSRF_PLACEHOLDER not in html
    token = html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    form = {"body": "Works here too.", "csrfmiddlewaretoken": token}
    response = reader.post(reverse("forum:comment", args=[answer.pk]), form)
    assert response.status_code == 302
    assert "Works here too." in _page(reader, question)


def test_a_duplicate_links_to_its_original(thread, erin, alice, product):
    question, _answer = thread
    newer = make_question(author=alice, product=product, title="LED blinks red when pairing", body="Same here.")
    moderation.question_mark_duplicate(moderator=erin, question=newer, original=question)
    html = _page(Client(), newer)
    assert f'<a href="{question.get_absolute_url()}">Pairing fails</a>' in html


def test_only_the_products_experts_get_the_endorse_form(thread, erin, kate):
    question, _answer = thread
    customer, expert = Client(), Client()
    customer.force_login(kate)
    expert.force_login(erin)
    assert "Endorse as an expert" not in _page(customer, question)
    assert "Endorse as an expert" in _page(expert, question)
    assert "Endorse as an expert" not in _page(customer, question)
    assert "Endorse as an expert" not in _page(Client(), question)


# --- A question as a row of the product page -------------------------------------------------

ROW = "forum/_question_row.html"


def test_list_rows_are_kept_and_a_change_shows_at_once(thread, bob, product):
    question, answer = thread
    url = product.get_absolute_url()
    assert ROW in {t.name for t in Client().get(url).templates}
    assert ROW not in {t.name for t in Client().get(url).templates}  # kept
    services.vote_cast(voter=bob, post=question, value=1)
    services.post_edit(
        editor=question.author, post=question, body=question.body, title="Pairing fails on the AX3000", reason="model"
    )
    html = Client().get(url).content.decode()
    assert "Pairing fails on the AX3000" in html
    assert "<strong>1</strong> votes" in html

"""``manage.py reconcile`` finds counters that drifted from the rows, reports them, and fixes them."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from forum import services
from forum.models import Post, ProductAuthority
from forum.reconcile import reconcile
from tests.factories import UserFactory, make_answer, make_question


@pytest.fixture
def thread(product, alice, bob, erin):
    question = make_question(author=alice, product=product, title="Router drops Wi-Fi every night")
    answer = make_answer(question=question, author=bob, body="Turn off the nightly channel scan.")
    make_answer(question=question, author=erin, body="Update to firmware 2.1.")
    for voter in (alice, erin, UserFactory()):
        services.vote_cast(voter=voter, post=answer, value=1)
    services.vote_cast(voter=UserFactory(), post=answer, value=-1)
    services.comment_add(author=erin, post=answer, body="Confirmed on our test bench.")
    services.answer_accept(user=alice, answer=answer)
    return question, answer


def _run(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("reconcile", *args, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_services_leave_no_drift(thread):
    report = reconcile()
    assert report.total == 0, report
    code, out = _run()
    assert code == 0
    assert "No drift." in out


def test_drift_is_reported_without_changing_anything_then_fixed(thread):
    question, answer = thread
    # Simulate lost updates: counters written behind the services' back.
    Post.objects.filter(pk=answer.pk).update(score=40, upvotes=41, comment_count=7)
    Post.objects.filter(pk=question.pk).update(answer_count=9, has_accepted_answer=False)
    ProductAuthority.objects.filter(user=answer.author).update(anchor=999_999)

    code, out = _run()
    assert code == 1
    assert f"post {answer.pk}: score stored 40, rows say 2" in out
    assert f"post {answer.pk}: upvotes stored 41, rows say 3" in out
    assert f"post {question.pk}: answer_count stored 9, rows say 2" in out
    assert f"post {question.pk}: has_accepted_answer stored False, rows say True" in out
    assert re.search(r"authority index\s+[1-9]\d* authority rows", out), out
    # A report only: the stored values are untouched.
    answer.refresh_from_db()
    assert (answer.score, answer.upvotes, answer.comment_count) == (40, 41, 7)
    assert ProductAuthority.objects.get(user=answer.author, product=answer.product).anchor == 999_999

    code, out = _run("--fix")
    assert code == 0
    assert "Fixed" in out
    answer.refresh_from_db()
    question.refresh_from_db()
    assert (answer.score, answer.upvotes, answer.downvotes, answer.comment_count) == (2, 3, 1, 1)
    assert (question.answer_count, question.has_accepted_answer) == (2, True)
    assert ProductAuthority.objects.get(user=answer.author, product=answer.product).anchor != 999_999
    assert reconcile().total == 0


def test_deleted_rows_and_taken_back_votes_are_not_counted(thread, alice):
    question, answer = thread
    services.vote_cast(voter=alice, post=answer, value=0)
    other = Post.objects.filter(question=question).exclude(pk=answer.pk).get()
    services.post_delete(user=other.author, post=other)
    assert reconcile().total == 0
    answer.refresh_from_db()
    question.refresh_from_db()
    assert (answer.score, answer.upvotes, question.answer_count) == (1, 2, 1)


def test_unknown_product_is_a_clear_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No product"):
        call_command("reconcile", "--product", "nope")

import pytest

from forum.models import Post
from forum.rendering import RENDERER_VERSION
from forum.tasks import post_rerender
from tests.factories import make_question
from tests.worker import wait_until


def _make_stale(question) -> None:
    Post.objects.filter(pk=question.pk).update(body_html="<p>old</p>", body_html_version=0)


def test_rerender_refreshes_stale_html_and_is_idempotent(product, alice):
    question = make_question(author=alice, product=product, body="Some *new* text here")
    _make_stale(question)
    assert post_rerender.delay(question.pk).get() is True
    question.refresh_from_db()
    assert question.body_html_version == RENDERER_VERSION
    assert "<em>new</em>" in question.body_html
    assert post_rerender.delay(question.pk).get() is False


@pytest.mark.worker
@pytest.mark.postgres
def test_a_real_worker_runs_the_rerender_task(celery_worker, product, alice):
    question = make_question(author=alice, product=product, body="Rendered by a *worker* process")
    _make_stale(question)
    post_rerender.delay(question.pk)
    wait_until(lambda: Post.objects.get(pk=question.pk).body_html_version == RENDERER_VERSION)
    assert "<em>worker</em>" in Post.objects.get(pk=question.pk).body_html

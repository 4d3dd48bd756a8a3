import pytest

from forum import services as forum_services
from knowledge.demo import publish_demo_articles
from knowledge.models import Article, CandidateStatus
from tests.factories import make_answer, make_question

pytestmark = pytest.mark.django_db


def test_demo_articles_come_from_the_best_answers_once(product, other_product, erin, alice, bob, kate):
    endorsed_q = make_question(author=alice, product=product, title="How do I pair the remote?")
    endorsed = make_answer(question=endorsed_q, author=bob, body="Hold both buttons for five seconds.")
    make_answer(question=endorsed_q, author=alice, body="Try new batteries first, then pair.")
    forum_services.answer_endorse(expert=erin, answer=endorsed)
    plain_q = make_question(author=bob, product=other_product, title="Which SD cards work?")
    plain = make_answer(question=plain_q, author=alice, body="Any class 10 card up to 256 GB.")

    assert publish_demo_articles(per_product=1) == 2
    articles = {a.source_answer_id: a for a in Article.objects.all()}
    assert set(articles) == {endorsed.pk, plain.pk}
    assert articles[endorsed.pk].candidate.status == CandidateStatus.PUBLISHED
    assert articles[endorsed.pk].versions.get().editor == kate
    assert articles[plain.pk].locale == other_product.language
    # Idempotent: products with articles are left alone.
    assert publish_demo_articles(per_product=1) == 0
    assert Article.objects.count() == 2


def test_no_editor_no_demo_articles(product, alice, bob):
    make_answer(question=make_question(author=alice, product=product), author=bob)
    assert publish_demo_articles() == 0

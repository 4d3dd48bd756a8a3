"""forum/thread_reads.py reads the question page in plain SQL: each read must give what the ORM
query it replaced gives, on SQLite and PostgreSQL."""

import pytest
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from forum import authority_store, services, thread_reads
from forum.models import Comment, Post, ProductAuthority, Tag, User, Vote
from tests.factories import TagFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db

POST_FIELDS = [f.attname for f in Post._meta.concrete_fields]


@pytest.fixture
def thread(alice, bob, kate, product):
    question = make_question(author=alice, product=product, title="Pairing fails", body="The LED blinks red.")
    answers = [
        make_answer(question=question, author=author, body=f"Try option number {n}, then restart.")
        for n, author in enumerate([bob, kate, UserFactory()])
    ]
    services.vote_cast(voter=kate, post=answers[0], value=1)
    services.vote_cast(voter=kate, post=question, value=1)
    services.vote_cast(voter=bob, post=answers[2], value=-1)
    services.comment_add(author=kate, post=question, body="Which model?")
    services.comment_add(author=bob, post=answers[0], body="Worked for me.")
    gone = services.comment_add(author=alice, post=answers[0], body="Never mind.")
    Comment.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    Post.objects.filter(pk=answers[1].pk).update(deleted_at=timezone.now())
    ProductAuthority.objects.update_or_create(user=bob, product=product, defaults={"anchor": 4_321})
    bob.display_name = "Bob B."
    bob.save(update_fields=["display_name"])
    return question, answers


def _orm_answers(question, *, include_deleted):
    answers = Post.objects.filter(question_id=question.pk)
    if not include_deleted:
        answers = answers.filter(deleted_at__isnull=True)
    return list(
        answers.select_related("author")
        .annotate(author_anchor=authority_store.author_anchor(question.product_id))
        .order_by("-rank_score", "created_at", "pk")
    )


def _same_row(raw, orm):
    assert [getattr(raw, f) for f in POST_FIELDS] == [getattr(orm, f) for f in POST_FIELDS]
    assert (raw.author.pk, raw.author.name, str(raw.author)) == (orm.author.pk, orm.author.name, str(orm.author))
    assert raw.author_anchor == orm.author_anchor


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_question_is_read_as_the_orm_reads_it(thread, kate, signed_in):
    question, _answers = thread
    orm = (
        Post.objects.select_related("product", "author")
        .annotate(author_anchor=authority_store.author_anchor())
        .get(pk=question.pk)
    )
    raw = thread_reads.question(question.pk, voter_id=kate.pk if signed_in else None)
    _same_row(raw, orm)
    assert raw.product == orm.product and raw.product.slug == orm.product.slug and raw.product.name == orm.product.name
    assert raw.duplicate_title is None
    assert getattr(raw, "my_vote", None) == (1 if signed_in else None)


def test_tags_are_read_as_the_orm_reads_them(thread, product):
    question, _answers = thread
    question.tags.set([TagFactory(product=product, name=name) for name in ("wifi", "固件", "Reset", "led")])
    read = thread_reads.tags(question.pk)
    assert [(t.pk, t.product_id, t.name) for t in read] == [
        (t.pk, t.product_id, t.name) for t in question.tags.order_by("name", "pk")
    ]
    assert all(isinstance(tag, Tag) for tag in read)
    assert thread_reads.tags(_answers[0].pk) == []


def test_a_duplicate_carries_its_originals_title(thread, erin, alice, product):
    from forum import moderation

    question, _answers = thread
    newer = make_question(author=alice, product=product, title="Red LED again")
    moderation.question_mark_duplicate(moderator=erin, question=newer, original=question)
    assert thread_reads.question(newer.pk, voter_id=None).duplicate_title == "Pairing fails"


@pytest.mark.parametrize("bad", [0, -1, 2**63, 10**30])
def test_an_impossible_id_is_no_question(db, bad):
    with pytest.raises(Post.DoesNotExist):
        thread_reads.question(bad, voter_id=None)


def test_an_answer_id_is_no_question(thread):
    _question, answers = thread
    with pytest.raises(Post.DoesNotExist):
        thread_reads.question(answers[0].pk, voter_id=None)


@pytest.mark.parametrize("include_deleted", [False, True])
def test_answers_are_read_as_the_orm_reads_them(thread, kate, include_deleted):
    question, answers = thread
    orm = _orm_answers(question, include_deleted=include_deleted)
    raw = thread_reads.answers(question, voter_id=kate.pk, include_deleted=include_deleted, limit=10, offset=0)
    assert [a.pk for a in raw] == [a.pk for a in orm]
    for raw_answer, orm_answer in zip(raw, orm, strict=True):
        _same_row(raw_answer, orm_answer)
        assert raw_answer.answers_total == len(orm)
    assert {a.pk: a.my_vote for a in raw if a.my_vote is not None} == {answers[0].pk: 1}


def test_a_page_of_answers_carries_the_total(thread):
    question, _answers = thread
    orm = _orm_answers(question, include_deleted=True)
    page = thread_reads.answers(question, voter_id=None, include_deleted=True, limit=1, offset=1)
    assert [a.pk for a in page] == [orm[1].pk]
    assert page[0].answers_total == 3
    assert thread_reads.answers(question, voter_id=None, include_deleted=True, limit=1, offset=5) == []


def test_comments_are_read_as_the_orm_reads_them(thread, product):
    question, answers = thread
    ids = [question.pk, *(a.pk for a in answers)]
    anchor = Subquery(
        ProductAuthority.objects.filter(user_id=OuterRef("author_id"), product_id=product.pk).values("anchor")[:1]
    )
    orm = list(
        Comment.objects.filter(deleted_at__isnull=True, post_id__in=ids)
        .select_related("author")
        .annotate(author_anchor=anchor)
    )
    raw = thread_reads.comments(ids, product_id=product.pk)
    assert [c.pk for c in raw] == [c.pk for c in orm] and len(raw) == 2
    for raw_comment, orm_comment in zip(raw, orm, strict=True):
        shown = ("pk", "post_id", "author_id", "body", "body_html", "created_at", "author_anchor")
        assert [getattr(raw_comment, f) for f in shown] == [getattr(orm_comment, f) for f in shown]
        assert (raw_comment.author.pk, raw_comment.author.name, str(raw_comment.author)) == (
            orm_comment.author.pk,
            orm_comment.author.name,
            str(orm_comment.author),
        )
        assert raw_comment.author.get_absolute_url() == orm_comment.author.get_absolute_url()
    assert thread_reads.comments([], product_id=product.pk) == []


def test_the_author_is_a_real_user_whose_other_fields_load_on_use(thread, django_assert_num_queries):
    question, _answers = thread
    email = User.objects.get(pk=question.author_id).email
    raw = thread_reads.question(question.pk, voter_id=None)
    assert isinstance(raw.author, User)
    with django_assert_num_queries(1):
        assert raw.author.email == email


def test_endorsements_are_read_as_the_orm_reads_them(thread, erin):
    from forum.models import Endorsement

    _question, answers = thread
    services.answer_endorse(expert=erin, answer=answers[0], note="Checked on firmware 2.1")
    withdrawn = services.answer_endorse(expert=erin, answer=answers[2], note="Not any more")
    Endorsement.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now())
    orm = list(Endorsement.objects.filter(answer_id__in=[a.pk for a in answers], withdrawn_at__isnull=True))
    raw = thread_reads.endorsements([a.pk for a in answers])
    assert list(raw) == [answers[0].pk]
    (found,) = raw[answers[0].pk]
    assert (found.pk, found.expert_id, found.note, found.created_at) == (
        orm[0].pk,
        erin.pk,
        orm[0].note,
        orm[0].created_at,
    )
    assert (found.expert.pk, found.expert.name) == (erin.pk, erin.name)
    assert thread_reads.endorsements([]) == {}


def test_the_question_and_all_its_answers_in_one_read(thread, kate, product):
    question, answers = thread
    raw_question, raw_answers = thread_reads.question_and_answers(question.pk, voter_id=kate.pk)
    orm = _orm_answers(question, include_deleted=True)
    assert raw_question.pk == question.pk and raw_question.my_vote == 1
    assert [a.pk for a in raw_answers] == [a.pk for a in orm]
    for raw_answer, orm_answer in zip(raw_answers, orm, strict=True):
        _same_row(raw_answer, orm_answer)
        assert raw_answer.product_slug == product.slug
    with pytest.raises(Post.DoesNotExist):
        thread_reads.question_and_answers(answers[0].pk, voter_id=None)


def test_a_voters_votes_are_read_as_the_orm_reads_them(thread, kate, bob):
    question, answers = thread
    ids = [question.pk, *(a.pk for a in answers)]
    for voter in (kate, bob):
        orm = dict(Vote.objects.filter(voter=voter, post_id__in=ids).values_list("post_id", "value"))
        assert thread_reads.votes(voter.pk, ids) == orm
    assert thread_reads.votes(kate.pk, []) == {}

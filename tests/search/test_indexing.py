"""The index follows the forum: on commit, through the search task; rebuilds; one writer at a time."""

import threading

import pytest
from django import db
from django.core.management import call_command
from haystack import connections
from haystack.query import SearchQuerySet
from whoosh.index import LockError

from forum import services
from forum.models import Post
from forum.search.indexing import question_reindex
from forum.search.service import search_questions
from tests.factories import make_answer, make_question
from tests.worker import wait_until


def _titles(text, **filters) -> list[str]:
    return [q.title for q in search_questions(text=text, **filters).questions]


def test_nothing_is_indexed_before_the_commit(search_index, product, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        question = make_question(author=alice, product=product, title="Uncommitted router question")
    assert not search_index.has_document(question) and callbacks
    for callback in callbacks:
        callback()
    assert search_index.has_document(question)


def test_edits_votes_and_acceptance_reach_the_index(search_index, committed, product, alice, bob):
    question = committed(make_question, author=alice, product=product, title="Router drops the connection")
    committed(
        services.post_edit,
        editor=alice,
        post=question,
        title="Mesh node drops the connection",
        body=question.body + " (edited)",
        reason="clearer",
    )
    assert _titles("mesh") == ["Mesh node drops the connection"] and _titles("router") == []
    answer = committed(make_answer, question=question, author=bob, body="Move the satellite closer.")
    assert _titles("satellite") == ["Mesh node drops the connection"]
    assert _titles("mesh", status="accepted") == []
    committed(services.answer_accept, user=alice, answer=answer)
    assert _titles("mesh", status="accepted") == ["Mesh node drops the connection"]
    committed(services.answer_unaccept, user=alice, answer=answer)
    assert _titles("mesh", status="accepted") == []
    committed(services.post_edit, editor=bob, post=answer, body="Move the repeater closer.")
    assert _titles("satellite") == [] and _titles("repeater") == ["Mesh node drops the connection"]


def test_reindex_is_idempotent_and_removes_deleted_questions(search_index, product, alice):
    question = make_question(author=alice, product=product, title="Idempotent router question")
    assert question_reindex(question_id=question.pk) is True
    assert question_reindex(question_id=question.pk) is True
    assert search_index.doc_count() == 1
    Post.objects.filter(pk=question.pk).update(deleted_at=question.created_at)
    assert question_reindex(question_id=question.pk) is False
    assert question_reindex(question_id=question.pk) is False
    assert search_index.doc_count() == 0
    assert question_reindex(question_id=987654) is False


def test_rebuild_index_indexes_every_visible_question(search_index, product, alice, erin):
    kept = [make_question(author=alice, product=product, title=f"Rebuilt router question {n}") for n in range(3)]
    gone = make_question(author=alice, product=product, title="Deleted router question")
    services.post_delete(user=erin, post=gone)
    assert search_index.doc_count() == 0  # nothing was committed, so nothing was indexed
    call_command("rebuild_index", "--noinput", "--batch-size", "2", "--no-progress")
    assert search_index.doc_count() == 3
    assert sorted(_titles("rebuilt")) == sorted(q.title for q in kept)


def test_rebuild_index_asks_before_emptying(search_index, product, alice, monkeypatch, capsys):
    question = make_question(author=alice, product=product, title="Question kept when the answer is no")
    question_reindex(question_id=question.pk)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    call_command("rebuild_index")
    assert search_index.doc_count() == 1 and "Nothing changed" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_never_fail_on_the_index_lock(search_index, product, alice):
    questions = [
        make_question(author=alice, product=product, title=f"Concurrent router question {n}") for n in range(8)
    ]
    # Hold the write lock while the writers start, so every one of them meets it.
    blocker = search_index.index.writer()
    errors: list[Exception] = []

    def write(question_id):
        try:
            backend = connections["default"].get_backend()  # each thread has its own, like a process
            question_reindex(question_id=question_id)
            assert backend.has_document(f"forum.post.{question_id}")
        except Exception as error:  # collected, so the test reports it
            errors.append(error)
        finally:
            db.connection.close()  # each thread opened its own database connection

    threads = [threading.Thread(target=write, args=(q.pk,)) for q in questions]
    for thread in threads:
        thread.start()
    threading.Event().wait(0.5)
    blocker.cancel()  # release the lock
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert search_index.doc_count() == 8


def test_a_writer_gives_up_with_an_error_only_after_the_time_limit(search_index, product, alice, monkeypatch):
    from forum.search import backend as backend_module

    question = make_question(author=alice, product=product, title="Locked router question")
    monkeypatch.setattr(backend_module, "LOCK_TIMEOUT_SECONDS", 0.2)
    blocker = search_index.index.writer()
    try:
        with pytest.raises(LockError):
            question_reindex(question_id=question.pk)
    finally:
        blocker.cancel()
    assert question_reindex(question_id=question.pk) is True


def test_haystack_highlight_marks_chinese(search_index, committed, product, alice):
    committed(
        make_question,
        author=alice,
        product=product,
        title="摄像头夜视画面是黑白的",
        body="晚上画面只有黑白两色，正常吗？",
    )
    result = SearchQuerySet().filter(content="夜视").highlight()[0]
    assert "<mark" in result.highlighted["text"][0] and ">夜视</mark>" in result.highlighted["text"][0]


@pytest.mark.worker
@pytest.mark.postgres
def test_a_real_worker_writes_the_index(celery_worker, product, alice, erin):
    backend = connections["default"].get_backend()
    question = make_question(author=alice, product=product, title="Indexed by the search worker process")
    wait_until(lambda: backend.has_document(question))
    assert _titles("worker process") == ["Indexed by the search worker process"]
    services.post_delete(user=erin, post=question)
    wait_until(lambda: not backend.has_document(question))


def test_celery_workers_load_jiebas_dictionary_when_they_start():
    import jieba
    from celery.signals import worker_init, worker_process_init

    from forum.search.analysis import _dictionary
    from forum.search.receivers import load_jieba_dictionary

    receivers = [r() for _key, r in worker_process_init.receivers] + [r() for _key, r in worker_init.receivers]
    assert receivers.count(load_jieba_dictionary) == 2
    _dictionary.cache_clear()
    load_jieba_dictionary(sender=None)
    assert jieba.dt.initialized and _dictionary.cache_info().currsize == 1


def test_single_updates_merge_nothing_and_the_merge_task_tidies_up(search_index, product, alice):
    """A post's update adds a small segment and merges nothing (no update waits for Whoosh's
    merge); once MERGE_FACTOR small ones wait, the task queues a merge of them all."""
    from forum import tasks
    from forum.search.merging import MERGE_FACTOR

    questions = [make_question(author=alice, product=product, title=f"Segment question {n}") for n in range(3)]
    before = search_index.segment_count()
    for question in questions:
        question_reindex(question_id=question.pk)
    assert search_index.segment_count() == before + 3  # nothing merged
    while search_index.segment_count() < MERGE_FACTOR - 1:
        question_reindex(question_id=questions[0].pk)
    tasks.search_reindex_question(questions[1].pk)  # eager here: the queued merge runs now
    assert search_index.segment_count() == 1  # every small segment merged into one, not five of them
    assert sorted(_titles("segment")) == [f"Segment question {n}" for n in range(3)]
    assert search_index.doc_count() == 3


def test_a_search_on_a_searcher_whose_segments_went_away_is_retried_once(search_index, committed, product, alice):
    """A merge by the search worker can remove segment files under another process's kept
    searcher; the search is retried once with a fresh searcher instead of failing."""
    committed(make_question, author=alice, product=product, title="Retried router question")
    assert _titles("retried") == ["Retried router question"]

    class Broken:
        def up_to_date(self):
            return True

        def close(self):
            pass

        def __getattr__(self, name):
            raise TypeError("'NoneType' object is not subscriptable")  # what Whoosh raised

    search_index._searcher = Broken()
    assert _titles("retried") == ["Retried router question"]

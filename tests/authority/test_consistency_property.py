"""Hypothesis drives random histories through the real services; after each, the incremental
index must equal a full recompute exactly."""

import datetime as dt
from unittest import mock

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum import authority_store, services
from forum.models import Post, Product
from tests.factories import UserFactory, make_answer, make_expert, make_question

actions = st.lists(
    st.one_of(
        st.tuples(st.just("vote"), st.integers(0, 5), st.integers(0, 3), st.sampled_from([1, -1, 0])),
        st.tuples(st.just("days"), st.integers(0, 2), st.integers(0, 3), st.just(0)),
        st.tuples(st.just("accept"), st.integers(0, 0), st.integers(0, 2), st.just(0)),
        st.tuples(st.just("endorse"), st.integers(0, 0), st.integers(0, 2), st.sampled_from([1, 0])),
        st.tuples(st.just("delete"), st.integers(0, 0), st.integers(0, 3), st.sampled_from([1, 0])),
    ),
    max_size=25,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions)
def test_any_history_leaves_the_index_equal_to_a_full_recompute(db, _no_posting_limits, history):
    now = [dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)]
    with mock.patch.object(timezone, "now", lambda: now[0]), transaction.atomic():
        product = Product.objects.create(slug="prop", name="Prop")
        asker = UserFactory(username="asker")
        expert = make_expert(UserFactory(username="expert"), product)
        voters = [UserFactory(username=f"p{i}") for i in range(5)] + [expert]
        question = make_question(author=asker, product=product)
        answers = [make_answer(question=question, author=voters[i]) for i in range(3)]
        posts = [*answers, question]
        for kind, who, target, value in history:
            post = Post.objects.get(pk=posts[target].pk)
            try:
                with transaction.atomic():
                    if kind == "vote":
                        services.vote_cast(voter=voters[who], post=post, value=value)
                    elif kind == "days":
                        now[0] += dt.timedelta(days=who, hours=7)
                    elif kind == "accept":
                        services.answer_accept(user=asker, answer=post)
                    elif kind == "endorse" and value:
                        services.answer_endorse(expert=expert, answer=post)
                    elif kind == "endorse":
                        services.endorsement_withdraw(expert=expert, answer=post)
                    elif kind == "delete" and value:
                        services.post_delete(user=expert, post=post)
                    elif kind == "delete":
                        services.post_undelete(user=expert, post=post)
            except (ValidationError, PermissionDenied):
                pass  # refused actions must leave everything consistent too
        incremental = authority_store.snapshot()
        authority_store.recompute()
        assert authority_store.snapshot() == incremental
        transaction.set_rollback(True)

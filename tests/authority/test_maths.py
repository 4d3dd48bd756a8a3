"""The invariants of forum/authority.py, checked by hypothesis (no database)."""

import random
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from forum import authority
from forum.authority import DEFAULT as C

indexes = st.integers(min_value=0, max_value=1000)
milli = st.integers(min_value=0, max_value=500_000)
counts = st.integers(min_value=0, max_value=5)


def score(**kwargs) -> float:
    base = {"author_index": 0, "author_is_expert": False, "up_milli": 0, "down_milli": 0, "accepted": False}
    return authority.answer_score(**{**base, "endorsements": 0, **kwargs}).total


@given(indexes, st.booleans(), milli, milli, st.booleans(), counts)
def test_an_answer_score_is_bounded(index, expert, up, down, accepted, endorsements):
    total = score(
        author_index=index,
        author_is_expert=expert,
        up_milli=up,
        down_milli=down,
        accepted=accepted,
        endorsements=endorsements,
    )
    assert 0.0 <= total <= authority.max_score()


@given(indexes, st.booleans(), milli, milli, st.integers(min_value=1, max_value=100_000))
def test_more_upvotes_never_lower_a_score(index, expert, up, down, extra):
    kwargs = {"author_index": index, "author_is_expert": expert, "down_milli": down}
    assert score(up_milli=up + extra, **kwargs) >= score(up_milli=up, **kwargs)


@given(indexes, st.booleans(), milli, milli, st.integers(min_value=1, max_value=100_000))
def test_more_downvotes_never_raise_a_score(index, expert, up, down, extra):
    kwargs = {"author_index": index, "author_is_expert": expert, "up_milli": up}
    assert score(down_milli=down + extra, **kwargs) <= score(down_milli=down, **kwargs)


@given(indexes, st.booleans(), milli, milli, st.booleans(), counts)
def test_an_endorsement_never_lowers_a_score(index, expert, up, down, accepted, endorsements):
    kwargs = {
        "author_index": index,
        "author_is_expert": expert,
        "up_milli": up,
        "down_milli": down,
        "accepted": accepted,
    }
    assert score(endorsements=endorsements + 1, **kwargs) >= score(endorsements=endorsements, **kwargs)


@given(st.integers(min_value=0, max_value=999), st.booleans(), milli, milli)
def test_a_more_trusted_author_starts_higher(index, expert, up, down):
    kwargs = {"author_is_expert": expert, "up_milli": up, "down_milli": down}
    assert score(author_index=index + 1, **kwargs) >= score(author_index=index, **kwargs)


weights = st.builds(
    authority.vote_weight,
    voter_points=st.floats(min_value=-1e6, max_value=1e9, allow_nan=False),
    voter_is_expert=st.booleans(),
    account_age_days=st.floats(min_value=0, max_value=10_000),
    pair_votes=st.integers(min_value=0, max_value=50),
    reciprocal_votes=st.integers(min_value=0, max_value=50),
)


@given(weights)
def test_a_vote_weight_is_capped(weight):
    assert 0.0 <= weight <= C.vote_weight_cap * C.expert_vote_multiplier


@given(st.floats(min_value=0, max_value=1e9), st.booleans(), st.floats(min_value=0, max_value=1e4))
def test_a_self_vote_weighs_nothing(points, expert, age):
    weight = authority.vote_weight(
        voter_points=points,
        voter_is_expert=expert,
        account_age_days=age,
        pair_votes=0,
        reciprocal_votes=0,
        is_self=True,
    )
    assert weight == 0.0


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False))
def test_the_display_index_is_between_0_and_1000(points):
    assert 0 <= authority.display_index(points) <= 1000


days = st.integers(min_value=date(2020, 1, 1).toordinal(), max_value=date(2035, 1, 1).toordinal())
events = st.lists(
    st.tuples(st.sampled_from(["votes", "accept", "endorse"]), days, milli, milli), min_size=1, max_size=40
)


def _anchor(items) -> int:
    total = 0
    for kind, day, up, down in items:
        if kind == "votes":
            total += authority.day_votes_contribution(up, down, day)
        else:
            total += authority.event_contribution(C.accept_points if kind == "accept" else C.endorse_points, day)
    return total


@settings(max_examples=200)
@given(events, st.randoms(use_true_random=False))
def test_recompute_order_does_not_change_authority(items, rnd: random.Random):
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert _anchor(shuffled) == _anchor(items)


@given(milli, milli, days, st.integers(min_value=1, max_value=100_000))
def test_a_day_gains_at_most_the_cap_and_more_upvotes_never_cost(up, down, day, extra):
    cap = round(C.daily_gain_cap * authority.CENTI * authority.growth(day))
    assert authority.day_votes_contribution(up, down, day) <= cap
    assert authority.day_votes_contribution(up + extra, down, day) >= authority.day_votes_contribution(up, down, day)


@given(st.integers(min_value=1, max_value=10**9), days, st.integers(min_value=1, max_value=3650))
def test_authority_decays_with_age_by_the_half_life(anchor, day, later):
    now = authority.points_on(anchor, day)
    assert authority.points_on(anchor, day + later) < now
    half = authority.points_on(anchor, day + int(C.half_life_days))
    assert abs(half - now / 2) <= now * 1e-9 + 1e-9


@given(st.integers(min_value=-(10**9), max_value=10**9), days)
def test_experts_never_show_below_their_floor(anchor, day):
    assert authority.points_on(anchor, day, is_expert=True) >= C.expert_floor

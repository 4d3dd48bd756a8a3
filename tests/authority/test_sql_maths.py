"""The SQL the full recompute runs (forum/authority_sql.py) gives the same bits as forum/authority.py,
on whichever database the suite runs (SQLite, and PostgreSQL in its pass)."""

import datetime as dt
import math
import random

import pytest
from django.db import connection
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from forum import authority, authority_sql, authority_store, services
from forum.authority import DEFAULT as C
from forum.models import Post, ProductAuthority, Vote
from tests.factories import UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db
many = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
milli = st.integers(min_value=0, max_value=2_000_000)
days = st.integers(min_value=C.epoch.toordinal() - 6000, max_value=C.epoch.toordinal() + 9000)


def _dialect() -> authority_sql.Dialect:
    return authority_sql.Dialect(connection.vendor)


def _select(sql: str, params: dict):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _rounded_in_sql(value: float) -> int:
    d = _dialect()
    x = f"SELECT {d.real('%(v)s')} AS x{d.fence}"
    return _select(f"SELECT {authority_sql.round_half_even('r.x', d)} FROM ({x}) r", {"v": value})[0]


@many
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
@example(0.5)
@example(1.5)
@example(2.5)
@example(-0.5)
@example(-2.5)
@example(-3.5)
@example(0.49999999999999994)  # floor(x + 0.5) would give 1: the sum rounds up
@example(4503599627370495.5)  # the largest double with a fraction of one half
@example(-0.0)
def test_sql_rounding_is_pythons_round_half_to_even(value):
    assert _rounded_in_sql(value) == round(value)


@many
@given(milli, milli, days)
@example(20_000, 0, C.epoch.toordinal() + 365)  # exactly the daily cap, growth exactly 2
@example(0, 7, C.epoch.toordinal())
def test_sql_day_votes_equal_the_python_calculator(up, down, day):
    d = _dialect()
    scaled = authority_sql.day_votes_scaled("%(u)s", "%(dn)s", "%(g)s", d)
    params = {"u": up, "dn": down, "g": authority.growth(day, C), **authority_sql.day_votes_params(C)}
    sql = f"SELECT {authority_sql.round_half_even('r.x', d)} FROM (SELECT {scaled} AS x{d.fence}) r"
    assert _select(sql, params)[0] == authority.day_votes_contribution(up, down, day, C)


@many
@given(days, st.sampled_from(["accept_points", "endorse_points"]))
def test_sql_events_equal_the_python_contribution(day, points):
    d = _dialect()
    scaled = authority_sql.event_scaled(points, "%(g)s")
    params = {"g": authority.growth(day, C), **authority_sql.event_params(C)}
    sql = f"SELECT {authority_sql.round_half_even('r.x', d)} FROM (SELECT {scaled} AS x{d.fence}) r"
    expected = authority.event_contribution(getattr(C, points), day, C)
    assert _select(sql, params)[0] == expected


@many
@given(
    st.integers(min_value=0, max_value=1000),
    st.booleans(),
    milli,
    milli,
    st.booleans(),
    st.integers(min_value=0, max_value=5),
)
@example(0, False, 0, 0, False, 0)
@example(1000, True, 0, 2_000_000, True, 1)
def test_sql_rank_equals_answer_total(index, expert, up, down, accepted, endorsements):
    d = _dialect()
    source = (
        "SELECT 1 AS id, %(idx)s AS idx, %(expert)s AS expert, %(up)s AS up, %(down)s AS down,"
        " %(accepted)s AS accepted, %(endorsements)s AS endorsements"
    )
    row = {"idx": index, "expert": int(expert), "up": up, "down": down, "accepted": int(accepted)}
    params = {**row, "endorsements": endorsements, **authority_sql.answer_params(C)}
    _id, _idx, _up, _down, _end, rank, effective = _select(authority_sql.answer_select(source, d), params)
    assert rank == authority.answer_total(index, expert, up, down, accepted, endorsements, C)[4]
    assert effective == (up + down) / authority.MILLI


@many
@given(st.integers(min_value=0, max_value=1000), milli, milli)
def test_sql_rank_follows_overridden_constants(index, up, down):
    c = authority.with_overrides({"prior_strength": 0.0, "wilson_z": 2.576, "endorse_max_extra": 0})
    d = _dialect()
    source = (
        "SELECT 1 AS id, %(idx)s AS idx, 0 AS expert, %(up)s AS up, %(down)s AS down, 0 AS accepted, 2 AS endorsements"
    )
    params = {"idx": index, "up": up, "down": down, **authority_sql.answer_params(c)}
    rank = _select(authority_sql.answer_select(source, d), params)[5]
    # prior_strength 0 and no votes: total <= 0, the Wilson bound is 0 (no division by zero).
    assert rank == authority.answer_total(index, False, up, down, False, 2, c)[4]
    assert math.isfinite(rank)


def test_a_vote_whose_day_is_outside_the_created_at_range_still_counts(product, clock):
    author, voter = UserFactory(), UserFactory()
    clock.advance(days=5)
    answer = make_answer(question=make_question(author=UserFactory(), product=product), author=author)
    services.vote_cast(voter=voter, post=answer, value=1)
    # A hand-written row whose day disagrees with its created_at: the growth table built from the
    # created_at range misses that day, and the recompute must widen it rather than drop the vote.
    early = authority_store.day_of(clock.now) - 400
    Vote.objects.filter(post=answer).update(day=early)
    authority_store.recompute()
    weight = Vote.objects.get(post=answer).weight
    expected = authority.day_votes_contribution(weight, 0, early, authority_store.constants())
    assert ProductAuthority.objects.get(user=author, product=product).anchor == expected


def test_imported_answers_get_the_authority_their_author_had_before_them(product):
    author = UserFactory()
    posted = dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)
    earlier = make_answer(question=make_question(author=UserFactory(), product=product), author=author)
    Post.objects.filter(pk=earlier.pk).update(created_at=posted - dt.timedelta(days=30))
    for i in range(40):
        Vote.objects.create(
            post=earlier, value=1, created_at=posted - dt.timedelta(days=20 - i % 10), external_source="se",
            external_id=str(i),
        )  # fmt: skip
    imported = make_answer(question=make_question(author=UserFactory(), product=product), author=author)
    Post.objects.filter(pk=imported.pk).update(author_authority=None, created_at=posted)
    authority_store.recompute()
    c = authority_store.constants()
    day = authority_store.day_of(posted)
    anchor = sum(
        authority.day_votes_contribution(1000 * n, 0, vote_day, c)
        for vote_day, n in _votes_per_day(earlier.pk).items()
        if vote_day < day
    )
    expected = authority.display_index(authority.points_on(anchor, day, False, c), c)
    assert expected > 0
    assert Post.objects.get(pk=imported.pk).author_authority == expected


def _votes_per_day(post_id: int) -> dict[int, int]:
    counts: dict[int, int] = {}
    for created_at in Vote.objects.filter(post_id=post_id).values_list("created_at", flat=True):
        day = authority_store.day_of(created_at)
        counts[day] = counts.get(day, 0) + 1
    return counts


def _batch_table(rows: list[tuple], columns: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS maths_batch")
        cursor.execute(f"CREATE TEMPORARY TABLE maths_batch ({columns})")
        names = [column.split()[0] for column in columns.split(", ")]
        marks = ", ".join(["%s"] * len(names))
        cursor.executemany(f"INSERT INTO maths_batch ({', '.join(names)}) VALUES ({marks})", rows)


def test_sql_rank_equals_answer_total_on_twenty_thousand_answers():
    # One in about 1,500 random answers tells apart two ways of adding the same three numbers
    # (e.g. ``2 + up + down`` against ``up + down + 2``): a batch this size catches a reordering.
    rng = random.Random(3)
    rows = [
        (i, rng.randrange(1001), rng.randrange(2), rng.randrange(2_000_000), rng.randrange(2_000_000),
         rng.randrange(2), rng.randrange(5))
        for i in range(20_000)
    ]  # fmt: skip
    _batch_table(
        rows, "id integer, idx integer, expert integer, up bigint, down bigint, accepted integer, endorsements integer"
    )
    d = _dialect()
    with connection.cursor() as cursor:
        cursor.execute(authority_sql.answer_select("SELECT * FROM maths_batch", d), authority_sql.answer_params(C))
        ranks = {row[0]: (row[5], row[6]) for row in cursor.fetchall()}
    for pk, index, expert, up, down, accepted, endorsements in rows:
        total = authority.answer_total(index, bool(expert), up, down, bool(accepted), endorsements, C)[4]
        assert ranks[pk] == (total, (up + down) / authority.MILLI), (index, expert, up, down, accepted, endorsements)


def test_sql_day_votes_equal_the_python_calculator_on_twenty_thousand_days():
    rng = random.Random(4)
    first = C.epoch.toordinal() - 3000
    rows = [(i, rng.randrange(400_000), rng.randrange(400_000), first + rng.randrange(6000)) for i in range(20_000)]
    _batch_table(rows, "id integer, up bigint, down bigint, day integer")
    d = _dialect()
    growth = {day: authority.growth(day, C) for day in range(first, first + 6000)}
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS maths_growth")
        cursor.execute("CREATE TEMPORARY TABLE maths_growth (day integer PRIMARY KEY, g double precision)")
        cursor.executemany("INSERT INTO maths_growth (day, g) VALUES (%s, %s)", list(growth.items()))
        scaled = authority_sql.day_votes_scaled("b.up", "b.down", "g.g", d)
        inner = f"SELECT b.id, {scaled} AS x FROM maths_batch b JOIN maths_growth g ON g.day = b.day{d.fence}"
        cursor.execute(
            f"SELECT r.id, {authority_sql.round_half_even('r.x', d)} FROM ({inner}) r",
            authority_sql.day_votes_params(C),
        )
        got = dict(cursor.fetchall())
    for pk, up, down, day in rows:
        assert got[pk] == authority.day_votes_contribution(up, down, day, C), (up, down, day)

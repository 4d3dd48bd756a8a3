"""The maths of ``forum.authority`` written as SQL, so the full recompute runs inside the database.

``forum.authority`` stays the definition; each expression here repeats one of its functions
operation for operation, in the same order and on the same IEEE doubles, so SQLite, PostgreSQL and
Python produce the same bits:

- constants are bound as parameters (Python floats travel as doubles; a literal such as ``0.01``
  would be parsed by the database's own decimal reader, or become NUMERIC on PostgreSQL);
- integers are cast to double where Python mixes ``int`` and ``float``; ``+ - * /`` and ``sqrt``
  are correctly rounded in IEEE arithmetic, so identical operations give identical results;
- the decay factor ``2 ** (days / half-life)`` is never computed in SQL (``pow`` is not correctly
  rounded, libraries differ): Python computes it per day into a temporary table
  (``growth_rows``) and the SQL joins it;
- Python's ``round()`` (half to even) is spelled out with ``floor``, which is exact.

``tests/authority/test_sql_maths.py`` checks every expression against ``forum.authority`` on both
databases, ties and negative values included, and the consistency tests compare the incremental
path with the SQL recompute.
"""

from dataclasses import dataclass

from . import authority
from .authority import CENTI, MILLI, Constants


@dataclass(frozen=True)
class Dialect:
    """The few spellings SQLite and PostgreSQL do not share."""

    vendor: str

    @property
    def postgres(self) -> bool:
        return self.vendor == "postgresql"

    def real(self, expr: str) -> str:
        return f"CAST({expr} AS {'DOUBLE PRECISION' if self.postgres else 'REAL'})"

    def integer(self, expr: str) -> str:
        return f"CAST({expr} AS {'BIGINT' if self.postgres else 'INTEGER'})"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})" if self.postgres else f"min({a}, {b})"

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})" if self.postgres else f"max({a}, {b})"

    @property
    def fence(self) -> str:
        """Appended to a subquery so the database computes it once per row instead of merging it
        into the outer query, which would copy (and evaluate again) an expression at each use:
        neither SQLite nor PostgreSQL merges a subquery that has an OFFSET."""
        return " OFFSET 0" if self.postgres else " LIMIT -1 OFFSET 0"

    def distinct(self, a: str, b: str) -> str:
        """``a`` and ``b`` differ, NULL counting as a value."""
        return f"{a} IS DISTINCT FROM {b}" if self.postgres else f"{a} IS NOT {b}"


def round_half_even(x: str, d: Dialect) -> str:
    """Python's ``round(x)`` as an integer: to the nearest, ties to the even neighbour.

    ``x - floor(x)`` is exact for every double, so the comparisons with 0.5 are exact; ``x`` must
    be a column of a fenced subquery (``Dialect.fence``): it is used seven times.
    """
    f = f"floor({x})"
    odd = f"({f} - 2 * floor({f} / 2) = 1)"
    return f"({d.integer(f)} + CASE WHEN {x} - {f} > 0.5 OR ({x} - {f} = 0.5 AND {odd}) THEN 1 ELSE 0 END)"


def growth_rows(first_day: int, last_day: int, c: Constants) -> list[tuple[int, float]]:
    """``(day, authority.growth(day))`` for every day of the range, for the temporary table."""
    return [(day, authority.growth(day, c)) for day in range(first_day, last_day + 1)]


def day_votes_params(c: Constants) -> dict:
    return {
        "dv_cap": float(c.daily_gain_cap),
        "dv_up": c.upvote_points / MILLI,
        "dv_down": c.downvote_points / MILLI,
        "centi": float(CENTI),
    }


def day_votes_scaled(up: str, down: str, g: str, d: Dialect) -> str:
    """``authority.day_votes_calculator``'s value before rounding:
    ``min(cap, up * up_points - down * down_points) * CENTI * g`` (``up``/``down`` in thousandths)."""
    capped = d.least("%(dv_cap)s", f"{d.real(up)} * %(dv_up)s - {d.real(down)} * %(dv_down)s")
    return f"{capped} * %(centi)s * {g}"


def event_scaled(points_param: str, g: str) -> str:
    """``authority.event_contribution`` before rounding: ``points * CENTI * g``."""
    return f"%({points_param})s * %(centi)s * {g}"


def event_params(c: Constants) -> dict:
    return {"accept_points": float(c.accept_points), "endorse_points": float(c.endorse_points), "centi": float(CENTI)}


def answer_params(c: Constants) -> dict:
    return {
        "a_base": float(c.prior_base),
        "a_top_base": c.prior_top - c.prior_base,
        "a_expert": float(c.prior_expert),
        "a_strength": float(c.prior_strength),
        "a_z": float(c.wilson_z),
        "a_z2": c.wilson_z * c.wilson_z,
        "a_accept": float(c.accept_boost),
        "a_endorse": float(c.endorse_boost),
        "a_endorse_extra": float(c.endorse_extra_boost),
        "a_max_extra": int(c.endorse_max_extra),
        "milli": float(MILLI),
        "one": 1.0,
        "two": 2.0,
        "four": 4.0,
        "zero": 0.0,
        "thousand": 1000.0,
    }


def answer_select(source: str, d: Dialect) -> str:
    """``SELECT id, idx, up, down, endorsements, rank_value, effective`` from ``source``, a subquery
    with the columns ``id, idx, expert, up, down, accepted, endorsements`` (``up``/``down`` in
    thousandths, ``expert`` and ``accepted`` as 0/1): ``authority.answer_total`` (its fifth value)
    and ``effective_votes``, one fenced derived table per step of the Python function, in its order.
    """
    clamped = d.real(d.least("1000", d.greatest("0", "s.idx")))
    mean = f"%(a_base)s + %(a_top_base)s * {clamped} / %(thousand)s"
    f = d.fence
    step1 = (
        f"SELECT s.*, CASE WHEN s.expert = 1 THEN {d.greatest(f'({mean})', '%(a_expert)s')} ELSE ({mean}) END AS mean,"
        f" {d.real('s.up')} / %(milli)s AS uf, {d.real('s.down')} / %(milli)s AS df FROM ({source}) s{f}"
    )
    step2 = (
        "SELECT t1.*, %(a_strength)s * t1.mean + t1.uf AS positive, %(a_strength)s + t1.uf + t1.df AS total"
        f" FROM ({step1}) t1{f}"
    )
    step3 = f"SELECT t2.*, CASE WHEN t2.total > 0 THEN t2.positive / t2.total END AS p FROM ({step2}) t2{f}"
    radicand = "t3.p * (%(one)s - t3.p) / t3.total + %(a_z2)s / (%(four)s * t3.total * t3.total)"
    # Guarded: PostgreSQL raises on a division by zero where SQLite and Python's guard give none.
    step4 = (
        "SELECT t3.*, CASE WHEN t3.total > 0 THEN t3.p + %(a_z2)s / (%(two)s * t3.total) END AS centre,"
        f" CASE WHEN t3.total > 0 THEN %(a_z)s * sqrt({d.greatest('%(zero)s', radicand)}) END AS margin"
        f" FROM ({step3}) t3{f}"
    )
    wilson = (
        "CASE WHEN t4.total <= 0 THEN %(zero)s"
        f" ELSE {d.greatest('%(zero)s', '(t4.centre - t4.margin) / (%(one)s + %(a_z2)s / t4.total)')} END"
    )
    accept = "CASE WHEN t4.accepted = 1 THEN %(a_accept)s ELSE %(zero)s END"
    extra = d.real(d.least("%(a_max_extra)s", "t4.endorsements - 1"))
    endorse = f"CASE WHEN t4.endorsements > 0 THEN %(a_endorse)s + %(a_endorse_extra)s * {extra} ELSE %(zero)s END"
    return (
        f"SELECT t4.id, t4.idx, t4.up, t4.down, t4.endorsements, {wilson} + {accept} + {endorse} AS rank_value,"
        f" {d.real('t4.up + t4.down')} / %(milli)s AS effective FROM ({step4}) t4{f}"
    )

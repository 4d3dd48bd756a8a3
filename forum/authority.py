"""The authority index: pure maths, no database. Numbers in, numbers out.

Three things are computed here (docs/authority.md explains the choices):
- the weight of one vote, from the voter's authority, role, account age and voting pattern;
- a user's authority in a product, as a sum of decaying daily contributions ("points");
- an answer's rank score: a prior from its author, updated by weighted votes, ranked by the
  lower bound of its Wilson interval, plus visible boosts for acceptance and endorsement.

Exactness: incremental updates and the full recompute must agree to the last digit, so every
stored quantity is an integer (vote weights in thousandths, authority in hundredths of a point
scaled to a fixed epoch), and sums of integers do not depend on the order they are added in.
"""

import math
from dataclasses import dataclass, replace
from datetime import date

MILLI = 1000  # Vote weights are stored in thousandths of a vote.
CENTI = 100  # Authority is stored in hundredths of a point.


@dataclass(frozen=True)
class Constants:
    # --- Vote weight: w = m_role * min(cap, 1 + ln(1 + A / scale)) -------------------------------
    vote_weight_scale: float = 100.0  # A voter with this many points in the product votes with weight 1 + ln 2.
    vote_weight_cap: float = 3.0  # No one's vote counts for more than three of a newcomer's, whatever their authority.
    expert_vote_multiplier: float = 1.5  # An expert's vote counts half again as much: they know the product.
    imported_vote_weight: float = 1.0  # Imported votes (dumps withhold the voter) count like a newcomer's.
    min_account_age_days: float = 3.0  # Accounts younger than this vote with weight zero (no instant sock puppets).
    pair_window_days: int = 30  # The window for the per-pair cap and for detecting reciprocal voting.
    pair_cap: int = 5  # Beyond this many counted votes by one voter on one author per window, votes weigh zero.
    reciprocal_min_votes: int = 2  # The author voted for the voter this often in the window: the pair is reciprocal.
    reciprocal_damping: float = 0.5  # Reciprocal pairs' votes count half ("you vote for me, I vote for you").
    # --- Authority: points from votes received, acceptances and endorsements, decaying ----------
    upvote_points: float = 10.0  # An upvote of weight 1 earns the author ten points (Stack Exchange's scale).
    downvote_points: float = 2.0  # A downvote of weight 1 costs two: criticism should not silence people.
    accept_points: float = 15.0  # The asker accepting one's answer earns fifteen points (not for self-answers).
    endorse_points: float = 25.0  # An expert's endorsement is worth more than an acceptance: it is checked by staff.
    daily_gain_cap: float = 200.0  # Vote points count at most this much per author, product and day.
    half_life_days: float = 365.0  # Points lose half their value each year: products change, old answers age.
    epoch: date = date(2020, 1, 1)  # Stored sums are scaled to this day; move it forward and recompute every ~20 years.
    expert_floor: float = 1000.0  # An expert's authority in their own product never shows lower than this.
    display_reference: float = 10000.0  # Authority with this many points shows as 1000 on the 0-1000 scale.
    # --- Answer score ------------------------------------------------------------------------------
    prior_strength: float = 2.0  # The author's standing counts as this many votes before any real vote arrives.
    prior_base: float = 0.5  # A newcomer's answer starts as a coin toss: as likely helpful as not.
    prior_top: float = 0.8  # An author at 1000 starts at 80 % helpful.
    prior_expert: float = 0.8  # An expert of the product starts at least as high as the most trusted customer.
    wilson_z: float = 1.96  # Rank by the lower end of the 95 % interval: few votes mean little certainty.
    accept_boost: float = 0.15  # The asker's acceptance adds this, shown separately in the breakdown.
    endorse_boost: float = 0.20  # An expert's endorsement adds this; more endorsements add a little more.
    endorse_extra_boost: float = 0.05  # Each further endorsement by another expert adds this much.
    endorse_max_extra: int = 2  # Only two further endorsements count, so a score stays bounded.


DEFAULT = Constants()


def with_overrides(overrides: dict | None) -> Constants:
    """Constants with operators' settings applied (``WENDAO_AUTHORITY`` in settings)."""
    return replace(DEFAULT, **(overrides or {}))


# --- Vote weight ----------------------------------------------------------------------------------
def vote_weight(
    *,
    voter_points: float,
    voter_is_expert: bool,
    account_age_days: float,
    pair_votes: int,
    reciprocal_votes: int,
    is_self: bool = False,
    c: Constants = DEFAULT,
) -> float:
    """The weight of one vote, in votes (0 to ``expert_vote_multiplier * vote_weight_cap``)."""
    if is_self or account_age_days < c.min_account_age_days or pair_votes >= c.pair_cap:
        return 0.0
    base = min(c.vote_weight_cap, 1.0 + math.log1p(max(0.0, voter_points) / c.vote_weight_scale))
    weight = base * (c.expert_vote_multiplier if voter_is_expert else 1.0)
    if reciprocal_votes >= c.reciprocal_min_votes:
        weight *= c.reciprocal_damping
    return weight


def to_milli(weight: float) -> int:
    return round(weight * MILLI)


# --- Authority ------------------------------------------------------------------------------------
def growth(day: int, c: Constants = DEFAULT) -> float:
    """Scale factor of a contribution made on ``day`` (a date ordinal) relative to the epoch.

    Storing ``points * growth(day)`` and dividing by ``growth(today)`` when reading is the same as
    decaying every contribution by its age, but needs no nightly rewrite and sums exactly.
    """
    return 2.0 ** ((day - c.epoch.toordinal()) / c.half_life_days)


def day_votes_calculator(c: Constants = DEFAULT):
    """``(up_milli, down_milli, day) -> int``: a day's vote points for one author in one product,
    capped, scaled to the epoch, in hundredths. A closure so the full recompute can call it a
    million times cheaply; every path uses it, so every path gets the same integers."""
    up_points, down_points, cap = c.upvote_points / MILLI, c.downvote_points / MILLI, c.daily_gain_cap
    growths: dict[int, float] = {}

    def contribution(up_milli: int, down_milli: int, day: int) -> int:
        g = growths.get(day)
        if g is None:
            g = growths[day] = growth(day, c)
        return round(min(cap, up_milli * up_points - down_milli * down_points) * CENTI * g)

    return contribution


def day_votes_contribution(up_milli: int, down_milli: int, day: int, c: Constants = DEFAULT) -> int:
    return day_votes_calculator(c)(up_milli, down_milli, day)


def event_contribution(points: float, day: int, c: Constants = DEFAULT) -> int:
    """An acceptance's or an endorsement's points on ``day``, scaled, in hundredths (never capped)."""
    return round(points * CENTI * growth(day, c))


def points_on(anchor: int, day: int, is_expert: bool = False, c: Constants = DEFAULT) -> float:
    """Authority points on ``day`` from a stored anchor sum; experts get their floor."""
    points = max(0.0, anchor / CENTI / growth(day, c))
    return max(points, c.expert_floor) if is_expert else points


def display_index(points: float, c: Constants = DEFAULT) -> int:
    """Authority on the 0 to 1000 scale readers see: logarithmic, so a newcomer's first votes show."""
    if points <= 0:
        return 0
    return min(1000, int(1000 * math.log1p(points) / math.log1p(c.display_reference)))


# --- Answer score ---------------------------------------------------------------------------------
def wilson_lower_bound(positive: float, total: float, z: float) -> float:
    """Lower bound of the Wilson score interval for a proportion; weighted counts are fine."""
    if total <= 0:
        return 0.0
    p = positive / total
    z2 = z * z
    centre = p + z2 / (2 * total)
    margin = z * math.sqrt(max(0.0, p * (1 - p) / total + z2 / (4 * total * total)))
    return max(0.0, (centre - margin) / (1 + z2 / total))


@dataclass(frozen=True)
class Breakdown:
    """Why an answer has its score: every part a reader may ask about, as plain data."""

    author_index: int  # The author's authority (0-1000) when the answer was posted.
    author_is_expert: bool
    prior_mean: float  # How helpful we guess the answer is before any vote.
    prior_votes: float  # How many votes that guess is worth.
    up_weight: float  # Weighted upvotes counted.
    down_weight: float  # Weighted downvotes counted.
    wilson: float  # Lower bound of the helpfulness interval: prior and votes together.
    accept_boost: float
    endorse_boost: float
    total: float

    def as_dict(self) -> dict:
        # Its fields are plain numbers: a shallow copy is ``asdict`` without its recursive
        # deep copy, which was most of a 50-answer thread's breakdown time.
        return dict(self.__dict__)


def answer_prior(author_index: int, author_is_expert: bool, c: Constants = DEFAULT) -> float:
    mean = c.prior_base + (c.prior_top - c.prior_base) * min(1000, max(0, author_index)) / 1000
    return max(mean, c.prior_expert) if author_is_expert else mean


def answer_total(
    author_index: int, author_is_expert: bool, up_milli: int, down_milli: int, accepted: bool, endorsements: int, c
) -> tuple[float, float, float, float, float]:
    """(prior mean, Wilson bound, acceptance boost, endorsement boost, total): the score's parts.

    Positional and lean because the full recompute calls it for every post; ``answer_score``
    wraps the same numbers in a ``Breakdown`` for pages and the API.
    """
    mean = answer_prior(author_index, author_is_expert, c)
    up, down = up_milli / MILLI, down_milli / MILLI
    wilson = wilson_lower_bound(c.prior_strength * mean + up, c.prior_strength + up + down, c.wilson_z)
    accept = c.accept_boost if accepted else 0.0
    endorse = 0.0
    if endorsements > 0:
        endorse = c.endorse_boost + c.endorse_extra_boost * min(c.endorse_max_extra, endorsements - 1)
    return mean, wilson, accept, endorse, wilson + accept + endorse


def answer_score(
    *,
    author_index: int,
    author_is_expert: bool,
    up_milli: int,
    down_milli: int,
    accepted: bool,
    endorsements: int,
    c: Constants = DEFAULT,
) -> Breakdown:
    mean, wilson, accept, endorse, total = answer_total(
        author_index, author_is_expert, up_milli, down_milli, accepted, endorsements, c
    )
    return Breakdown(
        author_index=author_index,
        author_is_expert=author_is_expert,
        prior_mean=mean,
        prior_votes=c.prior_strength,
        up_weight=up_milli / MILLI,
        down_weight=down_milli / MILLI,
        wilson=wilson,
        accept_boost=accept,
        endorse_boost=endorse,
        total=total,
    )


def max_score(c: Constants = DEFAULT) -> float:
    """The highest score any answer can reach (the Wilson bound is at most 1)."""
    return 1.0 + c.accept_boost + c.endorse_boost + c.endorse_extra_boost * c.endorse_max_extra

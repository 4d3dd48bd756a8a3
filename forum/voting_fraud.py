"""Serial voting: find votes that target a person rather than their posts, and reverse them.

Two patterns, both the kind Stack Exchange's nightly script reverses:
- a **burst**: one voter casts many votes on one author's posts within a short window;
- a **ring**: a few accounts vote for each other again and again (two or three accounts whose
  every pair, or every step of the cycle, passes a count within the ring window).

Detection is pure (``find_bursts``, ``find_rings`` take plain rows). ``reverse_serial_votes``
loads recent counted votes, voids what the detectors find (``Vote.voided_at``), records one
``VoteReversal`` per case for moderators, and recomputes the affected authors. It is idempotent:
voided votes are no longer counted, so a second run finds nothing new.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from .models import Post, ReversalKind, Vote, VoteReversal

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Thresholds:
    burst_min_votes: int = 5  # Five or more votes from one voter on one author's posts ...
    burst_window_hours: float = 24.0  # ... within one day is a burst (a fan rarely reads five answers a day).
    ring_min_votes: int = 3  # Each account in a ring voted for the next at least three times ...
    ring_window_days: int = 30  # ... within thirty days.
    lookback_days: int = 35  # The nightly run looks at votes this recent (a ring window plus slack).


def thresholds() -> Thresholds:
    return Thresholds(**(getattr(settings, "WENDAO_SERIAL_VOTING", None) or {}))


@dataclass(frozen=True)
class VoteRow:
    id: int
    voter_id: int
    author_id: int
    product_id: int
    created_at: datetime


@dataclass
class Case:
    kind: str
    voter_id: int
    author_id: int
    product_id: int
    vote_ids: list[int]
    first: datetime
    last: datetime


def _case(kind: str, rows: list[VoteRow]) -> Case:
    rows = sorted(rows, key=lambda r: (r.created_at, r.id))
    head = rows[0]
    return Case(
        kind, head.voter_id, head.author_id, head.product_id, [r.id for r in rows], head.created_at, rows[-1].created_at
    )


def _by_pair(rows: list[VoteRow]) -> dict[tuple[int, int, int], list[VoteRow]]:
    pairs: dict[tuple[int, int, int], list[VoteRow]] = defaultdict(list)
    for row in rows:
        pairs[(row.voter_id, row.author_id, row.product_id)].append(row)
    return pairs


def find_bursts(rows: list[VoteRow], t: Thresholds | None = None) -> list[Case]:
    """Every voter-author pair with ``burst_min_votes`` votes inside some ``burst_window_hours``."""
    t = t or Thresholds()
    window = timedelta(hours=t.burst_window_hours)
    cases = []
    for pair_rows in _by_pair(rows).values():
        if len(pair_rows) < t.burst_min_votes:
            continue
        pair_rows.sort(key=lambda r: (r.created_at, r.id))
        flagged: set[int] = set()
        start = 0
        for end, row in enumerate(pair_rows):
            while row.created_at - pair_rows[start].created_at > window:
                start += 1
            if end - start + 1 >= t.burst_min_votes:
                flagged.update(range(start, end + 1))
        if flagged:
            cases.append(_case(ReversalKind.BURST, [pair_rows[i] for i in sorted(flagged)]))
    return cases


def find_rings(rows: list[VoteRow], t: Thresholds | None = None) -> list[Case]:
    """Pairs voting for each other, and three accounts voting round a cycle, each step often enough."""
    t = t or Thresholds()
    pairs = {key: value for key, value in _by_pair(rows).items() if key[0] != key[1]}
    strong = defaultdict(set)  # (product, voter) -> authors the voter voted for often enough
    for (voter, author, product), pair_rows in pairs.items():
        if _most_in_window(pair_rows, timedelta(days=t.ring_window_days)) >= t.ring_min_votes:
            strong[(product, voter)].add(author)
    ring_edges: set[tuple[int, int, int]] = set()
    for (product, a), targets in strong.items():
        for b in targets:
            if a in strong.get((product, b), ()):
                ring_edges.update({(a, b, product), (b, a, product)})
            for c in strong.get((product, b), ()):
                if c not in (a, b) and a in strong.get((product, c), ()):
                    ring_edges.update({(a, b, product), (b, c, product), (c, a, product)})
    return [_case(ReversalKind.RING, pairs[edge]) for edge in sorted(ring_edges)]


def _most_in_window(rows: list[VoteRow], window: timedelta) -> int:
    times = sorted(r.created_at for r in rows)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] > window:
            start += 1
        best = max(best, end - start + 1)
    return best


def find_cases(rows: list[VoteRow], t: Thresholds | None = None) -> list[Case]:
    """Rings first (they explain a burst inside them), then bursts on what is left."""
    t = t or Thresholds()
    rings = find_rings(rows, t)
    taken = {vote_id for case in rings for vote_id in case.vote_ids}
    return rings + find_bursts([r for r in rows if r.id not in taken], t)


def reverse_serial_votes(*, product_id: int | None = None, now: datetime | None = None) -> list[VoteReversal]:
    """Void the serial votes of the lookback window, log each case, and recompute who they touched."""
    from . import authority_store

    t = thresholds()
    now = now or timezone.now()
    votes = Vote.objects.filter(
        voided_at__isnull=True,
        voter__isnull=False,
        author__isnull=False,
        created_at__gte=now - timedelta(days=t.lookback_days),
    )
    if product_id is not None:
        votes = votes.filter(product_id=product_id)
    rows = [VoteRow(*values) for values in votes.values_list("id", "voter_id", "author_id", "product_id", "created_at")]
    cases = find_cases(rows, t)
    if not cases:
        return []
    reversals = []
    with transaction.atomic():
        for case in cases:
            reversal = VoteReversal.objects.create(
                kind=case.kind,
                voter_id=case.voter_id,
                author_id=case.author_id,
                product_id=case.product_id,
                vote_count=len(case.vote_ids),
                first_vote_at=case.first,
                last_vote_at=case.last,
                created_at=now,
            )
            Vote.objects.filter(pk__in=case.vote_ids, voided_at__isnull=True).update(voided_at=now, reversal=reversal)
            reversals.append(reversal)
            logger.warning(
                "Reversed %s serial votes (%s) by user %s on user %s in product %s",
                len(case.vote_ids), case.kind, case.voter_id, case.author_id, case.product_id,
            )  # fmt: skip
        voided_ids = [vote_id for case in cases for vote_id in case.vote_ids]
        _take_out_of_counters(voided_ids)
        touched = defaultdict(set)
        for case in cases:
            touched[case.product_id].add(case.author_id)
        for pid, authors in touched.items():
            authority_store.recompute(product_id=pid, author_ids=sorted(authors))
    return reversals


def _take_out_of_counters(vote_ids: list[int]) -> None:
    """A reversed vote no longer shows in the post's score either (as on Stack Exchange)."""
    per_post = (
        Vote.objects.filter(pk__in=vote_ids)
        .values("post_id")
        .annotate(up=Count("pk", filter=Q(value=Vote.UP)), down=Count("pk", filter=Q(value=Vote.DOWN)))
    )
    for row in per_post:
        Post.objects.filter(pk=row["post_id"]).update(
            score=F("score") - row["up"] + row["down"],
            upvotes=F("upvotes") - row["up"],
            downvotes=F("downvotes") - row["down"],
        )

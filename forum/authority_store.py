"""The authority index in the database: incremental updates, the full recompute, and reads.

``forum.authority`` holds the maths; this module feeds it rows and writes its results back.

- **Frozen inputs.** What an event contributes is fixed when it happens: a vote's weight (from
  the voter's authority then), an answer's author authority (when it was posted). Everything
  else is a sum of those inputs, so a vote is O(1) work and the full recompute can rebuild every
  sum from the rows with set-based SQL.
- **Incremental** (``vote_facts``/``vote_applied`` called by ``services.vote_cast``; receivers in
  ``forum.authority_receivers`` for acceptance, endorsement, deletion and roles) runs inside the
  service's transaction with a constant number of queries.
- **Full recompute** (``recompute``) rebuilds ``ProductAuthority`` and every post's rank fields
  from the rows inside the database: grouped queries, the maths as SQL (``forum.authority_sql``,
  the same operations as ``forum.authority`` in the same order) and set-based writes of what
  changed. Both paths compute the same integers and doubles, so they agree exactly (tests prove it).
"""

import bisect
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import authority, authority_sql, thread_reads
from .authority import MILLI, Constants
from .models import Endorsement, Post, Product, ProductAuthority, Role, RoleAssignment, Vote


def constants() -> Constants:
    """The constants with the operators' overrides from ``settings.WENDAO_AUTHORITY``."""
    overrides = getattr(settings, "WENDAO_AUTHORITY", None) or {}
    key = tuple(sorted(overrides.items()))
    cached = _constants_cache.get(key)
    if cached is None:
        cached = _constants_cache[key] = authority.with_overrides(overrides)
    return cached


_constants_cache: dict[tuple, Constants] = {}


def day_of(moment: datetime) -> int:
    """The UTC calendar day of ``moment`` as a date ordinal (what the SQL below computes too)."""
    return moment.astimezone(UTC).date().toordinal()


def _day_start(day: int) -> datetime:
    return datetime.fromordinal(day).replace(tzinfo=UTC)


def _experts(product_id: int) -> frozenset[int]:
    from .selectors import expert_ids

    return expert_ids(product_id)


def _imported_milli(c: Constants) -> int:
    return authority.to_milli(c.imported_vote_weight)


def _weight_expr(c: Constants):
    # A vote without a weight (imported from a dump, whose voters are withheld) counts with the
    # documented default weight, in the incremental path and the recompute alike.
    return Coalesce("weight", Value(_imported_milli(c)), output_field=IntegerField())


# --- Reads ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AuthorityView:
    """A user's standing in a product, as a page or the API shows it."""

    user_id: int
    product_id: int
    points: float
    index: int  # 0-1000
    is_expert: bool

    def as_dict(self) -> dict:
        return {"points": round(self.points, 2), "index": self.index, "is_expert": self.is_expert}


def _view(user_id: int, product_id: int, anchor: int, experts: frozenset[int], day: int) -> AuthorityView:
    c = constants()
    is_expert = user_id in experts
    points = authority.points_on(anchor, day, is_expert, c)
    return AuthorityView(user_id, product_id, points, authority.display_index(points, c), is_expert)


def authorities_for(user_ids, product_id: int) -> dict[int, AuthorityView]:
    """Everyone's authority in one product in one query (the question page's authors)."""
    ids = {uid for uid in user_ids if uid is not None}
    anchors = dict(
        ProductAuthority.objects.filter(product_id=product_id, user_id__in=ids).values_list("user_id", "anchor")
    )
    experts, day = _experts(product_id), day_of(timezone.now())
    return {uid: _view(uid, product_id, anchors.get(uid, 0), experts, day) for uid in ids}


def authority_of(user_id: int, product_id: int) -> AuthorityView:
    """One user's authority in one product (the API's per-user lookup)."""
    return authorities_for([user_id], product_id)[user_id]


def user_authorities(user) -> list[dict]:
    """The user's authority in every product where they have some or are an expert, best first."""
    rows = dict(ProductAuthority.objects.filter(user=user).exclude(anchor=0).values_list("product", "anchor"))
    expert_in = set(RoleAssignment.objects.filter(user=user, role=Role.EXPERT).values_list("product_id", flat=True))
    products = {p.pk: p for p in Product.objects.filter(pk__in=set(rows) | expert_in)}
    day = day_of(timezone.now())
    views = [
        (
            products[pid],
            _view(user.pk, pid, rows.get(pid, 0), frozenset([user.pk]) if pid in expert_in else frozenset(), day),
        )
        for pid in products
    ]
    views.sort(key=lambda pair: (-pair[1].index, pair[0].name))
    return [{"product": product, **view.as_dict()} for product, view in views]


def answer_breakdown(answer: Post, experts: frozenset[int] | None = None) -> dict:
    """Why an answer has its rank score, as plain data (pages and the API show the same)."""
    c = constants()
    if experts is None:
        experts = _experts(answer.product_id)
    parts = authority.answer_score(
        author_index=answer.author_authority or 0,
        author_is_expert=answer.author_id in experts,
        up_milli=answer.weighted_up,
        down_milli=answer.weighted_down,
        accepted=answer.is_accepted,
        endorsements=answer.endorsement_count,
        c=c,
    )
    data = parts.as_dict()
    data.update(
        rank_score=answer.rank_score,
        effective_votes=answer.effective_votes,
        upvotes=answer.upvotes,
        downvotes=answer.downvotes,
        accepted=answer.is_accepted,
        endorsements=answer.endorsement_count,
        max_score=authority.max_score(c),
    )
    return data


def author_anchor(product_id: int | None = None):
    """An annotation: the row author's stored authority in ``product_id`` (or the row's product)."""
    product = product_id if product_id is not None else OuterRef("product_id")
    return Subquery(
        ProductAuthority.objects.filter(user_id=OuterRef("author_id"), product_id=product).values("anchor")[:1]
    )


def thread_context(
    *, question: Post, answers: list[Post], user, experts: frozenset[int] | None = None, memo: dict | None = None
) -> dict:
    """What the question page shows of the index, from the ``author_anchor`` the thread's rows
    carry (``forum/thread_reads.py``): no query, except one for the endorsements when some answer on the page has
    one. Sets ``answer.breakdown`` and ``answer.active_endorsements``. ``experts``: the product's
    expert ids when the caller has them already (one cache round trip less). ``memo``: a dict
    kept with the thread's rows (``forum/thread_cache.py``), where what every reader of these rows
    gets is kept for the next reader, by experts and day (what it depends on besides the rows)."""
    from .permissions import is_expert

    if experts is None:
        experts = _experts(question.product_id)
    day = day_of(timezone.now())
    key = ("thread_context", experts, day)
    shown = memo.get(key) if memo is not None else None
    if shown is None:
        shown = _thread_shown(question, answers, experts, day)
        if memo is not None:
            memo[key] = shown
    authorities, breakdowns, by_answer = shown
    mine = set()
    for answer in answers:
        answer.active_endorsements = by_answer.get(answer.pk, [])
        answer.breakdown = breakdowns[answer.pk]
        if any(e.expert_id == user.pk for e in answer.active_endorsements):
            mine.add(answer.pk)
    return {
        "authorities": authorities,
        "my_endorsements": mine,
        "user_is_expert": is_expert(user, question.product_id),
        "context_key": key,
    }


def _thread_shown(question: Post, answers: list[Post], experts: frozenset[int], day: int) -> tuple[dict, dict, dict]:
    """The authority views of everyone on the thread, each answer's breakdown and endorsements."""
    anchors: dict[int, int] = {}
    for row in [question, *answers, *(c for p in [question, *answers] for c in getattr(p, "comment_list", ()))]:
        anchors[row.author_id] = getattr(row, "author_anchor", None) or 0
    # The API's reader attaches them already (``endorsement_list``): no second query for them.
    endorsed = [a.pk for a in answers if a.endorsement_count > 0 and not hasattr(a, "endorsement_list")]
    by_answer = thread_reads.endorsements(endorsed) if endorsed else {}
    for answer in answers:
        if getattr(answer, "endorsement_list", None):
            by_answer[answer.pk] = answer.endorsement_list
    authorities = {uid: _view(uid, question.product_id, anchor, experts, day) for uid, anchor in anchors.items()}
    return authorities, {answer.pk: answer_breakdown(answer, experts) for answer in answers}, by_answer


def authority_profile(user, *, weeks: int = 26) -> list[dict]:
    """``user_authorities`` plus each product's weekly history for the profile's chart.

    The history is recomputed from the rows (the same contributions the index sums), so the chart
    can never disagree with the number beside it; a fixed number of queries for all products.
    """
    c = constants()
    today = day_of(timezone.now())
    standings = user_authorities(user)
    contributions = _contributions(author_ids=[user.pk], c=c) if standings else {}
    for standing in standings:
        items = sorted(contributions.get((user.pk, standing["product"].pk), []))
        history, total, i = [], 0, 0
        for week in range(weeks - 1, -1, -1):
            day = today - 7 * week
            while i < len(items) and items[i][0] <= day:
                total += items[i][1]
                i += 1
            points = authority.points_on(total, day, standing["is_expert"], c)
            history.append((day, authority.display_index(points, c)))
        standing["history"] = history
    return standings


# --- Incremental: votes ---------------------------------------------------------------------------
@dataclass
class VoteFacts:
    """What casting a vote needs to know, read in one query that also locks the post."""

    score: int
    upvotes: int
    downvotes: int
    weighted_up: int
    weighted_down: int
    is_accepted: bool
    endorsement_count: int
    author_authority: int | None
    vote_id: int | None
    vote_value: int
    vote_weight: int | None
    vote_created_at: datetime | None
    vote_voided: bool
    pair_votes: int
    reciprocal_votes: int
    voter_anchor: int


def vote_facts(*, voter, post: Post) -> VoteFacts:
    """Lock the post and read the counters, the voter's current vote and the weight's inputs.

    The existing vote is re-checked by the conditional write in ``services.vote_cast``, so a stale
    read under concurrency is refused, never double counted.
    """
    c = constants()
    postgres = connection.vendor == "postgresql"
    vote, posts, anchors = Vote._meta.db_table, Post._meta.db_table, ProductAuthority._meta.db_table
    # Plain SQL: this runs on every vote, and building the same query through the ORM (eight
    # subqueries) cost more CPU than the database spends answering it.
    counted = "v.voided_at IS NULL AND v.created_at >= %(since)s AND (v.weight IS NULL OR v.weight <> 0)"
    sql = (
        "SELECT p.score, p.upvotes, p.downvotes, p.weighted_up, p.weighted_down, p.is_accepted,"
        " p.endorsement_count, p.author_authority, mine.id, mine.value, mine.weight, mine.created_at, mine.voided_at,"
        f" (SELECT COUNT(*) FROM {vote} v WHERE v.voter_id = %(voter)s AND v.author_id = %(author)s AND {counted}),"
        f" (SELECT COUNT(*) FROM {vote} v WHERE v.voter_id = %(author)s AND v.author_id = %(voter)s AND {counted}),"
        f" (SELECT a.anchor FROM {anchors} a WHERE a.user_id = %(voter)s AND a.product_id = %(product)s)"
        # Votes for one author in one product are serialised, so the daily cap below is computed
        # on sums no concurrent transaction is changing (SQLite serialises every writer anyway).
        + (", pg_advisory_xact_lock(%(author_lock)s)::text" if postgres else "")
        + f" FROM {posts} p LEFT JOIN {vote} mine ON mine.post_id = p.id AND mine.voter_id = %(voter)s"
        " WHERE p.id = %(post)s" + (" FOR UPDATE OF p" if postgres else "")
    )
    since = timezone.now() - timedelta(days=c.pair_window_days)
    params = {
        "since": connection.ops.adapt_datetimefield_value(since),
        "voter": voter.pk,
        "author": post.author_id,
        "product": post.product_id,
        "post": post.pk,
        "author_lock": author_lock_key(post.author_id, post.product_id),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise Post.DoesNotExist(f"Post {post.pk} does not exist.")
    facts = VoteFacts(
        score=row[0],
        upvotes=row[1],
        downvotes=row[2],
        weighted_up=row[3],
        weighted_down=row[4],
        is_accepted=bool(row[5]),
        endorsement_count=row[6],
        author_authority=row[7],
        vote_id=row[8],
        vote_value=row[9] or 0,
        vote_weight=row[10],
        vote_created_at=_db_datetime(row[11]),
        vote_voided=row[12] is not None,
        pair_votes=row[13] or 0,
        reciprocal_votes=row[14] or 0,
        voter_anchor=row[15] or 0,
    )
    # The posting limits ask for the voter's authority in this request too: answer from here.
    memo = getattr(voter, "_wendao_authority", None)
    if memo is None:
        memo = voter._wendao_authority = {}
    memo[post.product_id] = _view(
        voter.pk, post.product_id, facts.voter_anchor, _experts(post.product_id), day_of(timezone.now())
    ).index
    return facts


def author_lock_key(author_id: int, product_id: int) -> int:
    """The PostgreSQL advisory lock that serialises votes for one author in one product."""
    return author_id * 1_000_003 + product_id


def _db_datetime(value) -> datetime | None:
    """A datetime read by plain SQL: from SQLite it comes naive (or as text), in UTC as Django stored it."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def weigh_vote(*, voter, post: Post, facts: VoteFacts, now: datetime) -> int:
    """The new vote's weight in thousandths, frozen on the row."""
    c = constants()
    voter_is_expert = voter.pk in _experts(post.product_id)
    weight = authority.vote_weight(
        voter_points=authority.points_on(facts.voter_anchor, day_of(now), voter_is_expert, c),
        voter_is_expert=voter_is_expert,
        account_age_days=(now - voter.date_joined).total_seconds() / 86400,
        pair_votes=facts.pair_votes,
        reciprocal_votes=facts.reciprocal_votes,
        is_self=voter.pk == post.author_id,
        c=c,
    )
    return authority.to_milli(weight)


@dataclass(frozen=True)
class CountedVote:
    """A vote as the index counts it: its value, weight (thousandths) and UTC day."""

    value: int
    weight: int
    day: int


def counted(value: int, weight: int | None, created_at: datetime | None, voided: bool) -> CountedVote | None:
    if not value or voided or created_at is None:
        return None
    return CountedVote(value, _imported_milli(constants()) if weight is None else weight, day_of(created_at))


def vote_applied(*, post: Post, facts: VoteFacts, old: CountedVote | None, new: CountedVote | None) -> dict:
    """Move the post's counters and rank, and the author's authority, from ``old`` to ``new``.

    Three queries: the author's day sums for the affected days, the authority row, the post row.
    Returns the post's new field values (the caller puts them on its instance).
    """
    c = constants()
    changes: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # day -> [up change, down change]
    for vote, sign in ((old, -1), (new, 1)):
        if vote is not None:
            changes[vote.day][0 if vote.value > 0 else 1] += sign * vote.weight
    if changes and post.deleted_at is None and post.author_id is not None:
        after = _day_sums(post.author_id, post.product_id, list(changes), c)
        delta = 0
        for day, (up_change, down_change) in changes.items():
            up, down = after.get(day, (0, 0))
            delta += authority.day_votes_contribution(up, down, day, c)
            delta -= authority.day_votes_contribution(up - up_change, down - down_change, day, c)
        add_to_anchor(post.author_id, post.product_id, delta)

    def raw(vote):
        return vote.value if vote else 0

    fields = {
        "score": facts.score + raw(new) - raw(old),
        "upvotes": facts.upvotes + (raw(new) == 1) - (raw(old) == 1),
        "downvotes": facts.downvotes + (raw(new) == -1) - (raw(old) == -1),
        "weighted_up": facts.weighted_up + sum(ch[0] for ch in changes.values()),
        "weighted_down": facts.weighted_down + sum(ch[1] for ch in changes.values()),
    }
    fields.update(
        _rank_fields(
            author_index=facts.author_authority or 0,
            author_is_expert=post.author_id in _experts(post.product_id),
            up=fields["weighted_up"],
            down=fields["weighted_down"],
            accepted=facts.is_accepted,
            endorsements=facts.endorsement_count,
            c=c,
        )
    )
    Post.objects.filter(pk=post.pk).update(**fields)
    return fields


def _rank_fields(*, author_index, author_is_expert, up, down, accepted, endorsements, c) -> dict:
    total = authority.answer_total(author_index, author_is_expert, up, down, accepted, endorsements, c)[4]
    return {"rank_score": total, "effective_votes": (up + down) / MILLI}


def _day_sums(author_id: int, product_id: int, days: list[int], c: Constants) -> dict[int, tuple[int, int]]:
    """The author's counted (up, down) weight sums on each of ``days`` (at most two), one query
    (plain SQL for the same reason as ``vote_facts``)."""
    vote, posts = Vote._meta.db_table, Post._meta.db_table
    weight = f"COALESCE(v.weight, {_imported_milli(c)})"
    adapt = connection.ops.adapt_datetimefield_value
    params = {
        "author": author_id,
        "product": product_id,
        "start": adapt(_day_start(min(days))),
        "end": adapt(_day_start(max(days) + 1)),
    }
    sums = []
    for i, day in enumerate(days):
        params[f"s{i}"], params[f"e{i}"] = adapt(_day_start(day)), adapt(_day_start(day + 1))
        in_day = f"v.created_at >= %(s{i})s AND v.created_at < %(e{i})s"
        sums.append(f"SUM(CASE WHEN {in_day} AND v.value = 1 THEN {weight} ELSE 0 END)")
        sums.append(f"SUM(CASE WHEN {in_day} AND v.value = -1 THEN {weight} ELSE 0 END)")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(sums)} FROM {vote} v JOIN {posts} p ON p.id = v.post_id"
            " WHERE v.author_id = %(author)s AND v.product_id = %(product)s AND v.voided_at IS NULL"
            " AND p.deleted_at IS NULL AND v.created_at >= %(start)s AND v.created_at < %(end)s",
            params,
        )
        row = cursor.fetchone()
    return {day: (row[2 * i] or 0, row[2 * i + 1] or 0) for i, day in enumerate(days)}


def add_to_anchor(user_id: int, product_id: int, delta: int) -> None:
    """``anchor += delta`` on the user's row, creating it race-free when it is missing."""
    if not delta:
        return
    rows = ProductAuthority.objects.filter(user_id=user_id, product_id=product_id)
    if not rows.update(anchor=F("anchor") + delta):
        # INSERT ... ON CONFLICT DO NOTHING: a concurrent creator makes this a no-op, not an error.
        ProductAuthority.objects.bulk_create(
            [ProductAuthority(user_id=user_id, product_id=product_id, anchor=0)], ignore_conflicts=True
        )
        rows.update(anchor=F("anchor") + delta)


# --- Incremental: acceptance, endorsement, deletion, roles, new posts -----------------------------
def _counts_for_author(answer: Post) -> bool:
    return answer.deleted_at is None


def acceptance_contribution(answer: Post, accepted_at: datetime | None, question_author_id: int) -> int:
    """What an acceptance gives the answer's author (nothing for answering one's own question)."""
    if accepted_at is None or answer.author_id == question_author_id or not _counts_for_author(answer):
        return 0
    c = constants()
    return authority.event_contribution(c.accept_points, day_of(accepted_at), c)


def endorsement_contribution(endorsement: Endorsement, answer: Post) -> int:
    if endorsement.expert_id == answer.author_id or not _counts_for_author(answer):
        return 0
    c = constants()
    return authority.event_contribution(c.endorse_points, day_of(endorsement.created_at), c)


def refresh_rank(post_id: int) -> None:
    """Recompute one post's rank from its stored inputs (two queries)."""
    post = Post.objects.select_for_update().only(
        "author_id", "product_id", "author_authority", "weighted_up", "weighted_down", "is_accepted",
        "endorsement_count",
    ).get(pk=post_id)  # fmt: skip
    fields = _rank_fields(
        author_index=post.author_authority or 0,
        author_is_expert=post.author_id in _experts(post.product_id),
        up=post.weighted_up,
        down=post.weighted_down,
        accepted=post.is_accepted,
        endorsements=post.endorsement_count,
        c=constants(),
    )
    Post.objects.filter(pk=post_id).update(**fields)


def post_created(post: Post) -> None:
    """Freeze the author's authority on a new post, and give it its first rank.

    Also makes sure the author has an authority row, so the first vote on the post finds one.
    """
    view = authority_of(post.author_id, post.product_id)
    ProductAuthority.objects.bulk_create(
        [ProductAuthority(user_id=post.author_id, product_id=post.product_id)], ignore_conflicts=True
    )
    fields = _rank_fields(
        author_index=view.index,
        author_is_expert=view.is_expert,
        up=0,
        down=0,
        accepted=False,
        endorsements=0,
        c=constants(),
    )
    Post.objects.filter(pk=post.pk).update(author_authority=view.index, **fields)
    post.author_authority = view.index
    post.rank_score, post.effective_votes = fields["rank_score"], fields["effective_votes"]


def post_visibility_changed(post: Post, *, restored: bool) -> None:
    """A post was deleted (its author loses what it earned) or restored (gets it back)."""
    c = constants()
    sign = 1 if restored else -1
    weight = _weight_expr(c)
    day = _day_sql("created_at")
    own = {
        d: (up or 0, down or 0)
        for d, up, down in Vote.objects.filter(post=post, voided_at__isnull=True)
        .annotate(d=day)
        .values("d")
        .annotate(u=Sum(weight, filter=Q(value=Vote.UP)), dn=Sum(weight, filter=Q(value=Vote.DOWN)))
        .values_list("d", "u", "dn")
    }
    delta = 0
    if own:
        # The day sums now (post already deleted or restored), and what they were before.
        after = _author_day_sums(post.author_id, post.product_id, list(own), c)
        for d, (up, down) in own.items():
            now_up, now_down = after.get(d, (0, 0))
            before_up, before_down = now_up - sign * up, now_down - sign * down
            delta += authority.day_votes_contribution(now_up, now_down, d, c)
            delta -= authority.day_votes_contribution(before_up, before_down, d, c)
    if not post.is_question:
        visible = Post(author_id=post.author_id, deleted_at=None)
        if post.is_accepted:
            question_author = Post.objects.filter(pk=post.question_id).values_list("author_id", flat=True).first()
            delta += sign * acceptance_contribution(visible, post.accepted_at, question_author)
        for endorsement in Endorsement.objects.filter(answer=post, withdrawn_at__isnull=True):
            delta += sign * endorsement_contribution(endorsement, visible)
    add_to_anchor(post.author_id, post.product_id, delta)


def _author_day_sums(author_id, product_id, days, c) -> dict[int, tuple[int, int]]:
    weight = _weight_expr(c)
    rows = (
        Vote.objects.filter(
            author_id=author_id, product_id=product_id, voided_at__isnull=True, post__deleted_at__isnull=True
        )
        .annotate(d=_day_sql("created_at"))
        .filter(d__in=days)
        .values("d")
        .annotate(u=Sum(weight, filter=Q(value=Vote.UP)), dn=Sum(weight, filter=Q(value=Vote.DOWN)))
        .values_list("d", "u", "dn")
    )
    return {d: (up or 0, down or 0) for d, up, down in rows}


# --- Full recompute -------------------------------------------------------------------------------
def _day_sql(column: str):
    """The UTC day ordinal of a vote's datetime column, computed by the database (no Python per row)."""
    from django.db.models.expressions import RawSQL

    return RawSQL(_day_sql_raw(f'"{Vote._meta.db_table}"."{column}"'), (), IntegerField())


def _day_sql_raw(expr: str) -> str:
    # SQLite stores aware datetimes as UTC text: julianday of the date part, shifted to ordinals.
    if connection.vendor == "postgresql":
        return f"(({expr} AT TIME ZONE 'UTC')::date - DATE '0001-01-01' + 1)"
    return f"CAST(julianday(substr({expr}, 1, 10)) - 1721424.5 AS INTEGER)"


def _scope_sql(alias: str, product_id, author_ids, author_column: str = "author_id") -> tuple[str, list]:
    where, params = [], []
    if product_id is not None:
        where.append(f"{alias}.product_id = %s")
        params.append(product_id)
    if author_ids is not None:
        column = f"{alias}.{author_column}"
        where.append(f"{column} IN ({','.join(['%s'] * len(author_ids))})" if author_ids else "1 = 0")
        params.extend(author_ids)
    return "".join(f" AND {w}" for w in where), params


def _contributions(*, product_id=None, author_ids=None, c: Constants) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """Every contribution to authority as ``{(user, product): [(day, hundredths scaled), ...]}``.

    Three grouped queries: vote sums per author, product and day; acceptances; endorsements.
    """
    vote, post, endorsement = Vote._meta.db_table, Post._meta.db_table, Endorsement._meta.db_table
    result: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    scope, params = _scope_sql("v", product_id, author_ids)
    weight = f"COALESCE(v.weight, {_imported_milli(c)})"
    sums = f"SUM(CASE WHEN v.value = 1 THEN {weight} ELSE 0 END), SUM(CASE WHEN v.value = -1 THEN {weight} ELSE 0 END)"
    with connection.cursor() as cursor:
        # Every counted vote, grouped straight from the covering index ``vote_counted_by_author_day``;
        # votes on deleted posts (few) are summed apart and taken off before the daily cap.
        cursor.execute(
            f"SELECT v.author_id, v.product_id, v.day, {sums} FROM {vote} v"
            f" WHERE v.voided_at IS NULL AND v.author_id IS NOT NULL{scope} GROUP BY v.author_id, v.product_id, v.day",
            params,
        )
        days = cursor.fetchall()
        cursor.execute(
            f"SELECT v.author_id, v.product_id, v.day, {sums} FROM {post} p JOIN {vote} v ON v.post_id = p.id"
            f" WHERE p.deleted_at IS NOT NULL AND v.voided_at IS NULL AND v.author_id IS NOT NULL{scope}"
            f" GROUP BY v.author_id, v.product_id, v.day",
            params,
        )
        hidden = {(a, p, d): (up, down) for a, p, d, up, down in cursor.fetchall()}
        day_votes = authority.day_votes_calculator(c)
        for author_id, pid, day, up, down in days:
            if hidden:
                minus_up, minus_down = hidden.get((author_id, pid, day), (0, 0))
                up, down = up - minus_up, down - minus_down
            result[(author_id, pid)].append((day, day_votes(up or 0, down or 0, day)))
        scope, params = _scope_sql("a", product_id, author_ids)
        cursor.execute(
            f"SELECT a.author_id, a.product_id, {_day_sql_raw('a.accepted_at')} FROM {post} a"
            f" JOIN {post} q ON q.id = a.question_id"
            f" WHERE a.is_accepted AND a.accepted_at IS NOT NULL AND a.deleted_at IS NULL"
            f" AND a.author_id <> q.author_id{scope}",
            params,
        )
        for author_id, pid, day in cursor.fetchall():
            result[(author_id, pid)].append((day, authority.event_contribution(c.accept_points, day, c)))
        cursor.execute(
            f"SELECT a.author_id, a.product_id, {_day_sql_raw('e.created_at')} FROM {endorsement} e"
            f" JOIN {post} a ON a.id = e.answer_id"
            f" WHERE e.withdrawn_at IS NULL AND a.deleted_at IS NULL AND e.expert_id <> a.author_id{scope}",
            params,
        )
        for author_id, pid, day in cursor.fetchall():
            result[(author_id, pid)].append((day, authority.event_contribution(c.endorse_points, day, c)))
    return result


def _fill_vote_authors(product_id=None, author_ids=None) -> int:
    """Votes written outside ``services.vote_cast`` (imports) get their post's author and product,
    and every vote its UTC day."""
    missing = Vote.objects.filter(author__isnull=True)
    if product_id is not None:
        missing = missing.filter(post__product_id=product_id)
    if author_ids is not None:
        missing = missing.filter(post__author_id__in=author_ids)
    post = Post.objects.filter(pk=OuterRef("post_id"))
    filled = missing.update(
        author_id=Subquery(post.values("author_id")[:1]), product_id=Subquery(post.values("product_id")[:1])
    )
    with connection.cursor() as cursor:
        table = Vote._meta.db_table
        cursor.execute(f"UPDATE {table} SET day = {_day_sql_raw('created_at')} WHERE day IS NULL")
    return filled


def recompute(*, product_id: int | None = None, author_ids: list[int] | None = None, progress=None) -> dict:
    """Rebuild authority and rank fields from the rows: idempotent, safe to run at any time.

    ``product_id`` limits it to one product; ``author_ids`` to some authors' authority and posts
    (what serial-vote reversal changed). Returns counts of what was written.

    Set-based: the database groups the votes, applies the daily cap, the decay and the rank
    formula (``forum.authority_sql``, the same arithmetic as ``forum.authority``) and writes only
    the rows whose values changed; Python touches per-row data only for imported answers whose
    author authority was never frozen.
    """
    c = constants()
    step = progress or (lambda name: None)
    d = authority_sql.Dialect(connection.vendor)
    scope = _Scope(product_id, author_ids)
    with transaction.atomic(), connection.cursor() as cursor:
        step("votes")
        filled = _fill_vote_authors(product_id, author_ids)
        step("authority")
        _build_anchors(cursor, scope, c, d)
        authorities = _write_authorities(cursor, scope, d)
        step("posts")
        posts = _write_ranks(cursor, scope, c, d)
        # (On an error the transaction's rollback takes the temporary tables with it.)
        for table in _TEMP_TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
    return {"votes_filled": filled, "authorities": authorities, "posts": posts}


# Temporary tables of one recompute (dropped at its end; private to the connection).
_GROWTH, _HIDDEN, _ANCHORS, _PREFIX = "wendao_growth", "wendao_hidden_votes", "wendao_anchors", "wendao_prefix"
_TEMP_TABLES = (_GROWTH, _HIDDEN, _ANCHORS, _PREFIX)


@dataclass(frozen=True)
class _Scope:
    product_id: int | None
    author_ids: list[int] | None

    def sql(self, alias: str, author_column: str = "author_id") -> tuple[str, dict]:
        """`` AND ...`` conditions limiting ``alias`` to the scope, with named parameters."""
        where, params = [], {}
        if self.product_id is not None:
            where.append(f"{alias}.product_id = %(scope_product)s")
            params["scope_product"] = self.product_id
        if self.author_ids is not None:
            names = [f"scope_author_{i}" for i in range(len(self.author_ids))]
            marks = ", ".join(f"%({name})s" for name in names)
            where.append(f"{alias}.{author_column} IN ({marks})" if names else "1 = 0")
            params.update(zip(names, self.author_ids, strict=True))
        return "".join(f" AND {w}" for w in where), params


def _create_temp(cursor, table: str, columns: str) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"CREATE TEMPORARY TABLE {table} ({columns})")


def _insert_rows(cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
    """Many rows at once: COPY on PostgreSQL, one prepared INSERT run many times on SQLite."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _analyze(cursor, table: str) -> None:
    # PostgreSQL keeps no statistics on temporary tables until asked; without them it guesses
    # their size and may pick a nested loop over a million rows.
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {table}")


def _day_range(cursor) -> tuple[int | None, int | None]:
    """First and last UTC day of any vote, acceptance or endorsement, from the ``created_at``
    indexes (a vote's ``day`` is its ``created_at`` day): a few index probes, not a scan."""
    vote, post, endorsement = Vote._meta.db_table, Post._meta.db_table, Endorsement._meta.db_table
    bounds = [
        f"(SELECT MIN(created_at) FROM {vote})",
        f"(SELECT MAX(created_at) FROM {vote})",
        f"(SELECT MIN(created_at) FROM {endorsement})",
        f"(SELECT MAX(created_at) FROM {endorsement})",
        f"(SELECT MIN(accepted_at) FROM {post} WHERE is_accepted)",
        f"(SELECT MAX(accepted_at) FROM {post} WHERE is_accepted)",
    ]
    cursor.execute("SELECT " + ", ".join(_day_sql_raw(bound) for bound in bounds))
    days = [day for day in cursor.fetchone() if day is not None]
    return (min(days), max(days)) if days else (None, None)


def _fill_growth(cursor, first: int | None, last: int | None, c: Constants) -> None:
    _create_temp(cursor, _GROWTH, "day integer PRIMARY KEY, g double precision NOT NULL")
    if first is not None:
        _insert_rows(cursor, _GROWTH, ["day", "g"], authority_sql.growth_rows(first, last, c))
    _analyze(cursor, _GROWTH)


def _build_anchors(cursor, scope: _Scope, c: Constants, d: authority_sql.Dialect) -> None:
    """Every (author, product)'s anchor into the temporary table ``wendao_anchors``, computed by
    the database: vote sums per author, product and day straight from the covering index
    ``vote_counted_by_author_day`` (votes on deleted posts, few, taken off before the daily cap),
    capped, scaled by the day's growth factor and rounded exactly as ``authority.day_votes_calculator``;
    then acceptances and endorsements as ``authority.event_contribution``."""
    vote, post, endorsement = Vote._meta.db_table, Post._meta.db_table, Endorsement._meta.db_table
    weight = f"COALESCE(v.weight, {_imported_milli(c)})"
    sums = (
        f"SUM(CASE WHEN v.value = 1 THEN {weight} ELSE 0 END) AS up,"
        f" SUM(CASE WHEN v.value = -1 THEN {weight} ELSE 0 END) AS down"
    )
    vote_scope, vote_params = scope.sql("v")
    # Driven from the deleted posts (SQLite: CROSS JOIN fixes the order), not from every vote.
    _create_temp(cursor, _HIDDEN, "author_id bigint, product_id bigint, day integer, up bigint, down bigint")
    cursor.execute(
        f"INSERT INTO {_HIDDEN} SELECT v.author_id, v.product_id, v.day, {sums}"
        f" FROM {post} p CROSS JOIN {vote} v WHERE v.post_id = p.id AND p.deleted_at IS NOT NULL"
        f" AND v.voided_at IS NULL AND v.author_id IS NOT NULL{vote_scope} GROUP BY v.author_id, v.product_id, v.day",
        vote_params,
    )
    hidden = cursor.rowcount > 0
    if hidden:
        cursor.execute(f"CREATE INDEX {_HIDDEN}_key ON {_HIDDEN} (author_id, product_id, day)")
        _analyze(cursor, _HIDDEN)
    up, down = ("dd.up - COALESCE(h.up, 0)", "dd.down - COALESCE(h.down, 0)") if hidden else ("dd.up", "dd.down")
    hidden_join = (
        f" LEFT JOIN {_HIDDEN} h ON h.author_id = dd.author_id AND h.product_id = dd.product_id AND h.day = dd.day"
        if hidden
        else ""
    )
    accept_scope, accept_params = scope.sql("a")
    params = {**vote_params, **accept_params, **authority_sql.day_votes_params(c), **authority_sql.event_params(c)}
    f = d.fence

    def summed(scaled: str) -> str:
        # ``scaled`` is a fenced subquery with the column ``x``, computed once per row and rounded
        # here; ``m`` counts contributions whose day has no growth factor (it must stay 0).
        return (
            f"SELECT x.author_id, x.product_id, SUM({authority_sql.round_half_even('x.x', d)}),"
            f" SUM(CASE WHEN x.x IS NULL THEN 1 ELSE 0 END) FROM ({scaled}{f}) x GROUP BY x.author_id, x.product_id"
        )

    statements = [
        f"INSERT INTO {_ANCHORS} (user_id, product_id, anchor, missing) "
        + summed(
            f"SELECT dd.author_id, dd.product_id, {authority_sql.day_votes_scaled(up, down, 'g.g', d)} AS x FROM ("
            f"SELECT v.author_id, v.product_id, v.day, {sums} FROM {vote} v"
            f" WHERE v.voided_at IS NULL AND v.author_id IS NOT NULL{vote_scope}"
            f" GROUP BY v.author_id, v.product_id, v.day) dd{hidden_join} LEFT JOIN {_GROWTH} g ON g.day = dd.day"
        )
    ]
    events = [
        (
            "accept_points",
            f"{_day_sql_raw('a.accepted_at')} AS day FROM {post} a JOIN {post} q ON q.id = a.question_id"
            f" WHERE a.is_accepted AND a.accepted_at IS NOT NULL AND a.deleted_at IS NULL"
            f" AND a.author_id <> q.author_id{accept_scope}",
        ),
        (
            "endorse_points",
            f"{_day_sql_raw('e.created_at')} AS day FROM {endorsement} e JOIN {post} a ON a.id = e.answer_id"
            f" WHERE e.withdrawn_at IS NULL AND a.deleted_at IS NULL AND e.expert_id <> a.author_id{accept_scope}",
        ),
    ]
    for points, source in events:
        scaled = (
            f"SELECT ev.author_id, ev.product_id, {authority_sql.event_scaled(points, 'g.g')} AS x"
            f" FROM (SELECT a.author_id, a.product_id, {source}{f}) ev LEFT JOIN {_GROWTH} g ON g.day = ev.day"
        )
        statements.append(
            f"INSERT INTO {_ANCHORS} (user_id, product_id, anchor, missing) SELECT * FROM ({summed(scaled)}) z"
            f" WHERE 1 = 1 ON CONFLICT (user_id, product_id) DO UPDATE SET"
            f" anchor = {_ANCHORS}.anchor + excluded.anchor, missing = {_ANCHORS}.missing + excluded.missing"
        )
    first, last = _day_range(cursor)
    for attempt in range(2):
        _fill_growth(cursor, first, last, c)
        _create_temp(
            cursor,
            _ANCHORS,
            # ``anchor`` is NULL where every contribution lacked its growth factor (``missing``).
            "user_id bigint NOT NULL, product_id bigint NOT NULL, anchor bigint, missing bigint NOT NULL,"
            " PRIMARY KEY (user_id, product_id)",
        )
        for statement in statements:
            cursor.execute(statement, params)
        cursor.execute(f"SELECT COUNT(*) FROM {_ANCHORS} WHERE missing > 0")
        if not cursor.fetchone()[0]:
            break
        if attempt:
            raise RuntimeError("authority recompute: some contributions have no growth factor for their day")
        # A vote whose ``day`` disagrees with its ``created_at`` (written by hand?): take the
        # range from the days themselves (a full scan) and compute again.
        cursor.execute(
            f"SELECT MIN(v.day), MAX(v.day) FROM {vote} v WHERE v.voided_at IS NULL AND v.author_id IS NOT NULL"
        )
        low, high = cursor.fetchone()
        first, last = min(x for x in (first, low) if x is not None), max(x for x in (last, high) if x is not None)
    _analyze(cursor, _ANCHORS)


def _write_authorities(cursor, scope: _Scope, d: authority_sql.Dialect) -> int:
    """Bring ``ProductAuthority`` in line with ``wendao_anchors``: three set-based statements that
    touch only rows whose anchor changes (so a rerun writes nothing)."""
    table = ProductAuthority._meta.db_table
    same_key = f"n.user_id = {table}.user_id AND n.product_id = {table}.product_id"
    cursor.execute(
        f"UPDATE {table} SET anchor = n.anchor FROM {_ANCHORS} n WHERE {same_key} AND {table}.anchor <> n.anchor"
    )
    written = cursor.rowcount
    where, params = scope.sql(table, author_column="user_id")
    cursor.execute(
        f"UPDATE {table} SET anchor = 0 WHERE {table}.anchor <> 0{where}"
        f" AND NOT EXISTS (SELECT 1 FROM {_ANCHORS} n WHERE {same_key})",
        params,
    )
    written += cursor.rowcount
    # Rows that exist were brought in line above. (Not ``NOT EXISTS``: PostgreSQL would scan the
    # table it is filling once per row, the heap growing under it.)
    cursor.execute(
        f"INSERT INTO {table} (user_id, product_id, anchor) SELECT n.user_id, n.product_id, n.anchor"
        f" FROM {_ANCHORS} n WHERE n.anchor <> 0 ON CONFLICT (user_id, product_id) DO NOTHING"
    )
    return written + cursor.rowcount


def _write_ranks(cursor, scope: _Scope, c: Constants, d: authority_sql.Dialect) -> int:
    """Rebuild every post's vote sums, endorsement count and rank in one ``UPDATE … FROM``, the rank
    computed by the database as ``authority.answer_total``; only rows whose values change are written."""
    post, vote, endorsement = Post._meta.db_table, Vote._meta.db_table, Endorsement._meta.db_table
    roles = RoleAssignment._meta.db_table
    post_scope, params = scope.sql("p")
    prefixed = _fill_prefix(cursor, scope, post_scope, params, c)
    weight = f"COALESCE(v.weight, {_imported_milli(c)})"
    if post_scope:
        vote_source = f"{vote} v JOIN {post} p ON p.id = v.post_id"
    elif connection.vendor == "sqlite":
        # SQLite's planner otherwise takes the plain post_id index and reads every vote row too.
        vote_source = f"{vote} v INDEXED BY vote_counted_by_post"
    else:
        vote_source = f"{vote} v"
    source = (
        f"SELECT p.id, {'COALESCE(p.author_authority, pre.idx)' if prefixed else 'p.author_authority'} AS idx,"
        " CASE WHEN r.id IS NULL THEN 0 ELSE 1 END AS expert,"
        f" COALESCE(s.up, 0) AS up, COALESCE(s.down, 0) AS down,"
        f" CASE WHEN p.is_accepted THEN 1 ELSE 0 END AS accepted, COALESCE(e.n, 0) AS endorsements"
        f" FROM {post} p"
        f" LEFT JOIN (SELECT v.post_id, SUM(CASE WHEN v.value = 1 THEN {weight} ELSE 0 END) AS up,"
        f" SUM(CASE WHEN v.value = -1 THEN {weight} ELSE 0 END) AS down FROM {vote_source}"
        f" WHERE v.voided_at IS NULL{post_scope} GROUP BY v.post_id) s ON s.post_id = p.id"
        f" LEFT JOIN (SELECT e.answer_id, COUNT(*) AS n FROM {endorsement} e JOIN {post} p ON p.id = e.answer_id"
        f" WHERE e.withdrawn_at IS NULL{post_scope} GROUP BY e.answer_id) e ON e.answer_id = p.id"
        # At most one row: a role is unique per user, role and product.
        + f" LEFT JOIN {roles} r ON r.user_id = p.author_id AND r.product_id = p.product_id"
        + " AND r.role = %(expert_role)s"
        + (f" LEFT JOIN {_PREFIX} pre ON pre.id = p.id" if prefixed else "")
        + f" WHERE 1 = 1{post_scope}"
    )
    changed = " OR ".join(
        [
            d.distinct(f"{post}.author_authority", "n.idx"),
            *(
                f"{post}.{column} <> n.{value}"
                for column, value in (
                    ("weighted_up", "up"),
                    ("weighted_down", "down"),
                    ("endorsement_count", "endorsements"),
                    ("rank_score", "rank_value"),
                    ("effective_votes", "effective"),
                )
            ),
        ]
    )
    cursor.execute(
        f"UPDATE {post} SET author_authority = n.idx, weighted_up = n.up, weighted_down = n.down,"
        f" endorsement_count = n.endorsements, rank_score = n.rank_value, effective_votes = n.effective"
        f" FROM ({authority_sql.answer_select(source, d)}) n WHERE {post}.id = n.id AND ({changed})",
        {**params, **authority_sql.answer_params(c), "expert_role": Role.EXPERT.value},
    )
    return cursor.rowcount


def _fill_prefix(cursor, scope: _Scope, post_scope: str, params: dict, c: Constants) -> bool:
    """Imported posts have no frozen author authority: reconstruct it from the author's events
    before the post's day, as if the index had been running then, into ``wendao_prefix``."""
    cursor.execute(
        f"SELECT p.id, p.author_id, p.product_id, {_day_sql_raw('p.created_at')} FROM {Post._meta.db_table} p"
        f" WHERE p.author_authority IS NULL{post_scope}",
        params,
    )
    rows = cursor.fetchall()
    if not rows:
        return False
    authors = sorted({author_id for _pk, author_id, _pid, _day in rows})
    # A long IN list costs more than reading the whole scope (and hits parameter limits).
    contributions = _contributions(
        product_id=scope.product_id, author_ids=authors if len(authors) <= 500 else scope.author_ids, c=c
    )
    experts = set(RoleAssignment.objects.filter(role=Role.EXPERT).values_list("user_id", "product_id"))
    prefix = _PrefixAuthority(contributions, c)
    _create_temp(cursor, _PREFIX, "id bigint PRIMARY KEY, idx integer NOT NULL")
    _insert_rows(
        cursor,
        _PREFIX,
        ["id", "idx"],
        [(pk, prefix.index_before(a, pid, day, (a, pid) in experts)) for pk, a, pid, day in rows],
    )
    _analyze(cursor, _PREFIX)
    return True


class _PrefixAuthority:
    """Authority before a given day, from the contributions (for imported posts only)."""

    def __init__(self, contributions: dict, c: Constants):
        self.c = c
        self.sorted: dict[tuple[int, int], tuple[list[int], list[int]]] = {}
        self.contributions = contributions

    def index_before(self, author_id: int, product_id: int, day: int, is_expert: bool) -> int:
        key = (author_id, product_id)
        if key not in self.sorted:
            items = sorted(self.contributions.get(key, []))
            days, totals, total = [], [], 0
            for d, value in items:
                total += value
                days.append(d)
                totals.append(total)
            self.sorted[key] = (days, totals)
        days, totals = self.sorted[key]
        i = bisect.bisect_left(days, day)
        anchor = totals[i - 1] if i else 0
        return authority.display_index(authority.points_on(anchor, day, is_expert, self.c), self.c)


def recompute_posts_of(user_id: int, product_id: int) -> None:
    """Refresh one person's authority and posts in one product (after a role change)."""
    recompute(product_id=product_id, author_ids=[user_id])


def snapshot() -> dict:
    """Every derived value the index keeps, for comparing incremental and full recompute."""
    return {
        "authority": {
            (u, p): a
            for u, p, a in ProductAuthority.objects.exclude(anchor=0).values_list("user_id", "product_id", "anchor")
        },
        "posts": {
            row[0]: row[1:]
            for row in Post.objects.values_list(
                "pk",
                "weighted_up",
                "weighted_down",
                "endorsement_count",
                "author_authority",
                "rank_score",
                "effective_votes",
            )
        },
    }

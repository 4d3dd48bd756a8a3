"""Does the authority index rank answers better? Measured on a Stack Exchange dump, no database.

Protocol (docs/authority.md): questions with an accepted answer and at least two answers posted
by the acceptance day; every method ranks those answers using only what was known before that
day (votes dated earlier; authority recomputed from earlier events; ``Users.xml`` reputation is
never read, it is a snapshot of the future). The accepted answer is the one relevant item.
Methods are tuned only on the earlier half of the questions (by date) and reported on the later
half, with 95 % bootstrap confidence intervals.
"""

import bisect
import itertools
import math
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

from . import authority
from .authority import Constants

UP, DOWN, ACCEPT = "2", "3", "1"
METHODS = ("random", "first", "score", "wilson", "reputation", "wendao", "wendao_staff")
BOOTSTRAP_SAMPLES = 2000
# Wendao constants tried on the earlier half; the best by P@1 (then MRR) is reported on the later.
GRID = {
    "prior_strength": (0.5, 1.0, 2.0, 4.0, 8.0),
    "prior_top": (0.6, 0.7, 0.8, 0.9),
    "wilson_z": (1.0, 1.96),
}


class DumpError(ValueError):
    """The folder is not a readable Stack Exchange dump."""


@dataclass
class Answer:
    id: int
    author: int | None
    created: datetime
    up_days: list[int] = field(default_factory=list)
    down_days: list[int] = field(default_factory=list)


@dataclass
class Case:
    question_id: int
    created: datetime
    accept_day: int
    accepted_id: int
    answers: list[Answer]


def _rows(path: Path):
    try:
        for _event, element in ElementTree.iterparse(path):
            if element.tag == "row":
                yield element.attrib
                element.clear()
    except ElementTree.ParseError as error:
        raise DumpError(f"{path.name} is not valid XML: {error}") from None


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


@dataclass
class Dump:
    cases: list[Case]
    # Per author: sorted days with (upvotes, downvotes) received and days of acceptances received.
    votes_by_author: dict[int, dict[int, list[int]]]
    accepts_by_author: dict[int, list[int]]
    staff_since: dict[int, int]  # proxy for "company expert": user -> first day it applies


def load(folder: str | Path, staff_badge: str = "Beta") -> Dump:
    folder = Path(folder)
    for name in ("Posts.xml", "Votes.xml"):
        if not (folder / name).is_file():
            raise DumpError(f"{folder} has no {name}: is it a Stack Exchange dump folder?")
    posts, answers_of = {}, defaultdict(list)
    for row in _rows(folder / "Posts.xml"):
        kind = row.get("PostTypeId")
        if kind not in ("1", "2") or "Id" not in row or "CreationDate" not in row:
            continue
        owner = int(row["OwnerUserId"]) if row.get("OwnerUserId", "").lstrip("-").isdigit() else None
        post = {"kind": kind, "owner": owner, "created": _when(row["CreationDate"])}
        if kind == "1":
            post["accepted"] = int(row["AcceptedAnswerId"]) if row.get("AcceptedAnswerId") else None
        else:
            post["parent"] = int(row.get("ParentId", 0))
            answers_of[post["parent"]].append(int(row["Id"]))
        posts[int(row["Id"])] = post
    votes = defaultdict(lambda: {UP: [], DOWN: [], ACCEPT: []})
    for row in _rows(folder / "Votes.xml"):
        kind = row.get("VoteTypeId")
        if kind in (UP, DOWN, ACCEPT) and row.get("PostId", "").isdigit() and "CreationDate" in row:
            votes[int(row["PostId"])][kind].append(_when(row["CreationDate"]).date().toordinal())
    votes_by_author: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    accepts_by_author: dict[int, list[int]] = defaultdict(list)
    for post_id, post in posts.items():
        if post["owner"] is None:
            continue
        for day in votes[post_id][UP]:
            votes_by_author[post["owner"]][day][0] += 1
        for day in votes[post_id][DOWN]:
            votes_by_author[post["owner"]][day][1] += 1
        if post["kind"] == "2" and votes[post_id][ACCEPT]:
            question = posts.get(post["parent"])
            if question and question["owner"] != post["owner"]:
                accepts_by_author[post["owner"]].append(min(votes[post_id][ACCEPT]))
    cases = []
    for question_id, question in posts.items():
        accepted = question.get("accepted")
        if question["kind"] != "1" or not accepted or accepted not in posts or not votes[accepted][ACCEPT]:
            continue
        accept_day = min(votes[accepted][ACCEPT])
        candidates = [
            Answer(
                aid,
                posts[aid]["owner"],
                posts[aid]["created"],
                [d for d in votes[aid][UP] if d < accept_day],
                [d for d in votes[aid][DOWN] if d < accept_day],
            )
            for aid in answers_of[question_id]
            if posts[aid]["created"].date().toordinal() <= accept_day
        ]
        if len(candidates) >= 2 and any(a.id == accepted for a in candidates):
            cases.append(Case(question_id, question["created"], accept_day, accepted, candidates))
    cases.sort(key=lambda c: (c.created, c.question_id))
    return Dump(cases, votes_by_author, accepts_by_author, _staff(folder, staff_badge))


def _staff(folder: Path, badge: str) -> dict[int, int]:
    """The staff proxy: users holding ``badge`` (default "Beta": active in the site's private beta,
    the people who built the community with the company), from the day the badge was awarded."""
    path = folder / "Badges.xml"
    if not badge or not path.is_file():
        return {}
    staff: dict[int, int] = {}
    for row in _rows(path):
        if row.get("Name") == badge and row.get("UserId", "").isdigit() and "Date" in row:
            day = _when(row["Date"]).date().toordinal()
            staff[int(row["UserId"])] = min(day, staff.get(int(row["UserId"]), day))
    return staff


class History:
    """Authority and reputation of every author at any past day, from events dated before it."""

    def __init__(self, dump: Dump, c: Constants):
        self.c, self.dump = c, dump
        self.wendao: dict[int, tuple[list[int], list[int]]] = {}
        self.reputation: dict[int, tuple[list[int], list[int]]] = {}
        imported = authority.to_milli(c.imported_vote_weight)
        for author in set(dump.votes_by_author) | set(dump.accepts_by_author):
            w_items, r_items = [], []
            for day, (up, down) in dump.votes_by_author.get(author, {}).items():
                w_items.append((day, authority.day_votes_contribution(up * imported, down * imported, day, c)))
                r_items.append((day, min(200, 10 * up) - 2 * down))  # Stack Exchange's rules and cap
            for day in dump.accepts_by_author.get(author, []):
                w_items.append((day, authority.event_contribution(c.accept_points, day, c)))
                r_items.append((day, 15))
            self.wendao[author] = _prefix(w_items)
            self.reputation[author] = _prefix(r_items)

    def index_before(self, author: int | None, day: int, staff: bool) -> int:
        days, totals = self.wendao.get(author, ([], []))
        i = bisect.bisect_left(days, day)
        points = authority.points_on(totals[i - 1] if i else 0, day, staff, self.c)
        return authority.display_index(points, self.c)

    def reputation_before(self, author: int | None, day: int) -> int:
        days, totals = self.reputation.get(author, ([], []))
        i = bisect.bisect_left(days, day)
        return 1 + (totals[i - 1] if i else 0)


def _prefix(items: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    days, totals, total = [], [], 0
    for day, value in sorted(items):
        total += value
        days.append(day)
        totals.append(total)
    return days, totals


def _is_staff(dump: Dump, author: int | None, day: int) -> bool:
    return author is not None and dump.staff_since.get(author, day + 1) < day


def rank(case: Case, method: str, history: History, dump: Dump) -> list[int]:
    """The answers' ids, best first, as ``method`` orders them (ties: earlier answer first)."""
    c = history.c

    def key(answer: Answer):
        up, down = len(answer.up_days), len(answer.down_days)
        if method == "first":
            value = 0.0
        elif method == "score":
            value = up - down
        elif method == "wilson":
            value = authority.wilson_lower_bound(up, up + down, 1.96)
        elif method == "reputation":
            value = history.reputation_before(answer.author, case.accept_day)
        else:
            created = answer.created.date().toordinal()
            staff = method == "wendao_staff" and _is_staff(dump, answer.author, created)
            milli = authority.to_milli(c.imported_vote_weight)
            value = authority.answer_score(
                author_index=history.index_before(answer.author, created, staff),
                author_is_expert=staff,
                up_milli=up * milli,
                down_milli=down * milli,
                accepted=False,
                endorsements=0,
                c=c,
            ).total
        return (-value, answer.created, answer.id)

    return [a.id for a in sorted(case.answers, key=key)]


def metrics_for(position: int) -> tuple[float, float, float]:
    """(P@1, reciprocal rank, NDCG@3) for the relevant answer at 1-based ``position``."""
    return float(position == 1), 1.0 / position, (1.0 / math.log2(position + 1) if position <= 3 else 0.0)


def _expected_random(n: int) -> tuple[float, float, float]:
    """Random order's expected metrics, exactly (no sampling noise)."""
    return (
        1.0 / n,
        sum(1.0 / r for r in range(1, n + 1)) / n,
        sum(1.0 / math.log2(r + 1) for r in range(1, min(3, n) + 1)) / n,
    )


def per_question(cases: list[Case], method: str, history: History, dump: Dump) -> list[tuple[float, float, float]]:
    if method == "random":
        return [_expected_random(len(case.answers)) for case in cases]
    return [metrics_for(rank(case, method, history, dump).index(case.accepted_id) + 1) for case in cases]


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def bootstrap_ci(values: list[float], seed: int = 7) -> list[float]:
    if not values:
        return [0.0, 0.0]
    rng = random.Random(seed)
    n = len(values)
    means = sorted(_mean(values[rng.randrange(n)] for _ in range(n)) for _ in range(BOOTSTRAP_SAMPLES))
    return [means[int(0.025 * BOOTSTRAP_SAMPLES)], means[int(0.975 * BOOTSTRAP_SAMPLES) - 1]]


def summarise(rows: list[tuple[float, float, float]]) -> dict:
    p1 = [r[0] for r in rows]
    return {
        "p_at_1": _mean(p1),
        "p_at_1_ci": bootstrap_ci(p1),
        "mrr": _mean(r[1] for r in rows),
        "mrr_ci": bootstrap_ci([r[1] for r in rows]),
        "ndcg_at_3": _mean(r[2] for r in rows),
        "ndcg_at_3_ci": bootstrap_ci([r[2] for r in rows]),
    }


def tune(cases: list[Case], dump: Dump, method: str = "wendao") -> Constants:
    """The grid point with the best P@1 (then MRR) on ``cases``: used on the earlier half only."""
    best, best_key = authority.DEFAULT, (-1.0, -1.0)
    for values in itertools.product(*GRID.values()):
        c = replace(authority.DEFAULT, **dict(zip(GRID, values, strict=True)))
        rows = per_question(cases, method, History(dump, c), dump)
        key = (_mean(r[0] for r in rows), _mean(r[1] for r in rows))
        if key > best_key:
            best, best_key = c, key
    return best


def evaluate(folder: str | Path, *, staff_badge: str = "Beta", tune_grid: bool = True) -> dict:
    dump = load(folder, staff_badge)
    if len(dump.cases) < 4:
        raise DumpError(f"Only {len(dump.cases)} usable questions in {folder}: too few to evaluate.")
    half = len(dump.cases) // 2
    earlier, later = dump.cases[:half], dump.cases[half:]
    tuned = {m: (tune(earlier, dump, m) if tune_grid else authority.DEFAULT) for m in ("wendao", "wendao_staff")}
    result = {"earlier": {}, "later": {}}
    rows_by = {}
    for method in METHODS:
        history = History(dump, tuned.get(method, authority.DEFAULT))
        for name, cases in (("earlier", earlier), ("later", later)):
            rows = per_question(cases, method, history, dump)
            rows_by[(name, method)] = rows
            result[name][method] = summarise(rows)
    for name in ("earlier", "later"):
        for method in ("wendao", "wendao_staff"):
            diff = [w[0] - s[0] for w, s in zip(rows_by[(name, method)], rows_by[(name, "score")], strict=True)]
            result[name][method]["p_at_1_minus_score"] = _mean(diff)
            result[name][method]["p_at_1_minus_score_ci"] = bootstrap_ci(diff)
    result["questions"] = {
        "usable": len(dump.cases),
        "earlier": len(earlier),
        "later": len(later),
        "split_date": later[0].created.date().isoformat(),
        "answers_per_question": round(_mean(len(c.answers) for c in dump.cases), 2),
        "staff_proxy": {"badge": staff_badge, "users": len(dump.staff_since)},
        "tuned": {m: {k: getattr(c, k) for k in GRID} for m, c in tuned.items()},
        "dump": _name(folder),
    }
    return result


def _name(folder) -> str:
    return re.sub(r"[^\w.-]", "", Path(folder).name) or "dump"

"""Is the community working? Weekly figures per product, as plain functions over the database.

Per week (Monday to Sunday, UTC) of the questions asked that week: how many, the share answered
and accepted (as of now), the median time to the first answer and to the first expert answer;
of the answers posted that week, the share written by the product's experts; endorsements
given that week; and, from the knowledge base through ``forum.hooks``
(``analytics.knowledge_weekly``), articles published, bot queries and the bot's hit rate.

A few queries per product whatever the range: questions with their first-answer times
(aggregated in the database), answers by week, endorsements by week; medians in Python.
"""

import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Min, Q
from django.db.models.functions import TruncDate

from . import hooks
from .models import Endorsement, Post, PostKind, Product, Role, RoleAssignment

MAX_RANGE_DAYS = 2 * 366

CSV_COLUMNS = [
    ("week", "Week (Monday)"),
    ("questions", "Questions asked"),
    ("answered_share", "Share answered"),
    ("accepted_share", "Share accepted"),
    ("median_first_answer_hours", "Median hours to first answer"),
    ("median_expert_response_hours", "Median hours to first expert answer"),
    ("answers", "Answers posted"),
    ("expert_answer_share", "Share of answers by experts"),
    ("customer_answer_share", "Share of answers by customers"),
    ("endorsements", "Endorsements"),
    ("articles_published", "Articles published"),
    ("bot_queries", "Bot queries"),
    ("bot_hit_rate", "Bot hit rate"),
]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class Week:
    start: date
    questions: int = 0
    answered: int = 0
    accepted: int = 0
    first_answer_hours: list[float] = field(default_factory=list)
    expert_response_hours: list[float] = field(default_factory=list)
    answers: int = 0
    expert_answers: int = 0
    endorsements: int = 0
    articles_published: int | None = None
    bot_queries: int | None = None
    bot_hits: int | None = None

    @staticmethod
    def _share(part: int | None, whole: int | None) -> float | None:
        return round(part / whole, 4) if whole and part is not None else None

    @property
    def answered_share(self) -> float | None:
        return self._share(self.answered, self.questions)

    @property
    def accepted_share(self) -> float | None:
        return self._share(self.accepted, self.questions)

    @property
    def median_first_answer_hours(self) -> float | None:
        return round(statistics.median(self.first_answer_hours), 2) if self.first_answer_hours else None

    @property
    def median_expert_response_hours(self) -> float | None:
        return round(statistics.median(self.expert_response_hours), 2) if self.expert_response_hours else None

    @property
    def expert_answer_share(self) -> float | None:
        return self._share(self.expert_answers, self.answers)

    @property
    def customer_answer_share(self) -> float | None:
        return self._share(self.answers - self.expert_answers, self.answers)

    @property
    def bot_hit_rate(self) -> float | None:
        return self._share(self.bot_hits, self.bot_queries)

    def as_row(self) -> dict:
        return {key: (self.start if key == "week" else getattr(self, key)) for key, _label in CSV_COLUMNS}


@dataclass
class Report:
    products: list[Product]
    start: date
    end: date
    weeks: list[Week]
    knowledge_available: bool

    @property
    def totals(self) -> Week:
        """The whole range as one "week", medians over every question in it."""
        total = Week(start=self.start)
        for week in self.weeks:
            total.questions += week.questions
            total.answered += week.answered
            total.accepted += week.accepted
            total.first_answer_hours += week.first_answer_hours
            total.expert_response_hours += week.expert_response_hours
            total.answers += week.answers
            total.expert_answers += week.expert_answers
            total.endorsements += week.endorsements
            for name in ("articles_published", "bot_queries", "bot_hits"):
                if getattr(week, name) is not None:
                    setattr(total, name, (getattr(total, name) or 0) + getattr(week, name))
        return total


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time.min, tzinfo=UTC), datetime.combine(
        end + timedelta(days=1), time.min, tzinfo=UTC
    )


def _hours(later: datetime, earlier: datetime) -> float:
    return max(0.0, (later - earlier).total_seconds() / 3600)


def _expert_ids(product: Product) -> list[int]:
    return list(RoleAssignment.objects.filter(role=Role.EXPERT, product=product).values_list("user_id", flat=True))


def _add_product(weeks: dict[date, Week], product: Product, since: datetime, until: datetime) -> None:
    experts = _expert_ids(product)
    live_answer = Q(answers__deleted_at__isnull=True)
    questions = (
        Post.objects.filter(kind=PostKind.QUESTION, product=product, deleted_at__isnull=True)
        .filter(created_at__gte=since, created_at__lt=until)
        .annotate(
            first_answer_at=Min("answers__created_at", filter=live_answer),
            first_expert_answer_at=Min("answers__created_at", filter=live_answer & Q(answers__author_id__in=experts)),
        )
        .values_list("created_at", "has_accepted_answer", "first_answer_at", "first_expert_answer_at")
    )
    for created_at, accepted, first_answer_at, first_expert_at in questions:
        week = weeks[week_start(created_at.astimezone(UTC).date())]
        week.questions += 1
        week.accepted += bool(accepted)
        if first_answer_at is not None:
            week.answered += 1
            week.first_answer_hours.append(_hours(first_answer_at, created_at))
        if first_expert_at is not None:
            week.expert_response_hours.append(_hours(first_expert_at, created_at))

    answers = (
        Post.objects.filter(kind=PostKind.ANSWER, product=product, deleted_at__isnull=True)
        .filter(created_at__gte=since, created_at__lt=until)
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day")
        .annotate(total=Count("pk"), by_experts=Count("pk", filter=Q(author_id__in=experts)))
    )
    for row in answers:
        week = weeks[week_start(row["day"])]
        week.answers += row["total"]
        week.expert_answers += row["by_experts"]

    endorsements = (
        Endorsement.objects.filter(answer__product=product, created_at__gte=since, created_at__lt=until)
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day")
        .annotate(total=Count("pk"))
    )
    for row in endorsements:
        weeks[week_start(row["day"])].endorsements += row["total"]


def _add_knowledge(weeks: dict[date, Week], products: list[Product], start: date, end: date) -> bool:
    results = hooks.call("analytics.knowledge_weekly", [p.pk for p in products], start, end)
    if not results:
        return False
    for week in weeks.values():
        week.articles_published = week.bot_queries = week.bot_hits = 0
    for result in results:
        for monday, figures in (result or {}).items():
            week = weeks.get(week_start(monday))
            if week is None:
                continue
            week.articles_published += int(figures.get("articles_published", 0))
            week.bot_queries += int(figures.get("bot_queries", 0))
            week.bot_hits += int(figures.get("bot_hits", 0))
    return True


def weekly_report(*, products: list[Product], start: date, end: date) -> Report:
    """Every week that overlaps ``start``..``end`` (inclusive), oldest first."""
    if end < start:
        raise ValueError("end before start")
    first = week_start(start)
    mondays = [first + timedelta(weeks=n) for n in range((end - first).days // 7 + 1)]
    weeks = {monday: Week(start=monday) for monday in mondays}
    since, until = _bounds(start, end)
    for product in products:
        _add_product(weeks, product, since, until)
    available = _add_knowledge(weeks, products, start, end)
    return Report(products=products, start=start, end=end, weeks=list(weeks.values()), knowledge_available=available)

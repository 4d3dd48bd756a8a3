"""Trust levels and the daily limits that keep new accounts from flooding a product space.

Rules as plain functions: ``trust_level`` says where a person stands in a product, ``claim``
takes one unit of a limited action (or raises ``LimitReached``), ``check_links`` counts links.
The services call these, so pages, the API and commands share one rule.

The counting is done by the database, not in Python: one ``ActionCounter`` row per (user,
action, UTC day), incremented by a conditional ``UPDATE ... WHERE count < limit``. PostgreSQL
re-checks that condition after waiting for a concurrent writer's row lock, so 50 parallel
requests against a limit of 10 let exactly 10 through. The claim runs inside the service's
transaction: a post that fails validation later gives its unit back by rolling back.
"""

import contextlib
import contextvars
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, Sum
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import Throttled

from . import hooks
from .models import ActionCounter, Post, PostKind, Product, Vote
from .permissions import is_admin, is_expert

ACTIONS = ("question", "answer", "comment", "vote", "flag")

# What the limit counts, in words, for the refusal message.
ACTION_WORDS = {
    "question": gettext_lazy("questions"),
    "answer": gettext_lazy("answers"),
    "comment": gettext_lazy("comments"),
    "vote": gettext_lazy("votes"),
    "flag": gettext_lazy("flags"),
}

TRUST_LEVEL_NAMES = {
    "new": gettext_lazy("New member"),
    "basic": gettext_lazy("Basic member"),
    "member": gettext_lazy("Member"),
    "regular": gettext_lazy("Regular"),
    "staff": gettext_lazy("Expert or administrator"),
}

# The fallback authority (see ``authority_in``) maps Stack Exchange-style reputation onto the
# 0-1000 display scale with the design's log curve; this reputation shows as 1000.
FALLBACK_REFERENCE_REPUTATION = 10_000

# How long a computed trust level is reused before the authority is read again.
TRUST_CACHE_SECONDS = 300

LINK_PATTERN = re.compile(r"(?:https?|ftp)://|\bwww\.", re.IGNORECASE)

_bypass = contextvars.ContextVar("wendao_limits_bypass", default=False)


class LimitReached(Throttled):
    """A limit refused the action: HTTP 429 with ``Retry-After`` for the API (DRF) and pages
    (``LimitReachedMiddleware``)."""

    def __init__(self, message: str, retry_after: int):
        self.message = message
        self.retry_after = max(1, int(retry_after))
        super().__init__(wait=self.retry_after, detail=message)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class TrustLevel:
    number: int  # index into the settings lists; -1 for staff (no limits)
    name: str

    @property
    def is_staff(self) -> bool:
        return self.number < 0

    @property
    def label(self) -> str:
        return str(TRUST_LEVEL_NAMES.get(self.name, self.name))


STAFF = TrustLevel(-1, "staff")


def enabled() -> bool:
    return settings.WENDAO_LIMITS.get("ENABLED", True) and not _bypass.get()


@contextlib.contextmanager
def bypass():
    """Switch limits off in this context: for operators' bulk jobs (imports, demo data)."""
    token = _bypass.set(True)
    try:
        yield
    finally:
        _bypass.reset(token)


def _product_id(product: Product | int) -> int:
    return product if isinstance(product, int) else product.pk


def authority_in(user, product: Product | int) -> float:
    """The user's authority in the product on the 0-1000 display scale.

    The authority index registers ``authority.index(user, product_id) -> float | None``; until
    it does (or for a person it has no figure for), the forum's own counts give an estimate:
    Stack Exchange-style reputation (+10 per answer upvote, +5 per question upvote, -2 per
    downvote, +15 per accepted answer) on the same log scale.
    """
    product_id = _product_id(product)
    value = hooks.first("authority.index", user, product_id)
    if value is not None:
        return float(value)
    posts = Post.objects.filter(author=user, product_id=product_id, deleted_at__isnull=True)
    row = posts.aggregate(
        answer_up=Sum("upvotes", filter=Q(kind=PostKind.ANSWER)),
        question_up=Sum("upvotes", filter=Q(kind=PostKind.QUESTION)),
        down=Sum("downvotes"),
        accepted=Count("pk", filter=Q(is_accepted=True)),
    )
    reputation = (
        10 * (row["answer_up"] or 0) + 5 * (row["question_up"] or 0) - 2 * (row["down"] or 0) + 15 * row["accepted"]
    )
    if reputation <= 0:
        return 0.0
    return min(1000.0, 1000 * math.log1p(reputation) / math.log1p(FALLBACK_REFERENCE_REPUTATION))


def level_for(*, authority: float, account_age: timedelta) -> TrustLevel:
    """The highest configured level whose authority and account-age thresholds are both met."""
    reached = TrustLevel(0, settings.WENDAO_TRUST_LEVELS[0]["name"])
    for number, level in enumerate(settings.WENDAO_TRUST_LEVELS):
        if authority >= level["min_authority"] and account_age >= timedelta(days=level["min_account_days"]):
            reached = TrustLevel(number, level["name"])
    return reached


def trust_level(user, product: Product | int) -> TrustLevel:
    """Where ``user`` stands in ``product``; kept on the user object for the rest of the request."""
    product_id = _product_id(product)
    if is_admin(user) or is_expert(user, product_id):
        return STAFF
    memo = getattr(user, "_wendao_trust", None)
    if memo is None:
        memo = user._wendao_trust = {}
    if product_id not in memo:
        # Authority moves slowly; a few minutes' lag in lifting a limit saves a query per post.
        key = f"wendao:trust:{user.pk}:{product_id}"
        number = cache.get(key)
        if number is None:
            age = timezone.now() - user.date_joined
            number = level_for(authority=authority_in(user, product_id), account_age=age).number
            cache.set(key, number, TRUST_CACHE_SECONDS)
        memo[product_id] = TrustLevel(number, settings.WENDAO_TRUST_LEVELS[number]["name"])
    return memo[product_id]


def limit_for(action: str, level: TrustLevel) -> tuple[int, int] | None:
    """(per day, seconds between two) for ``action`` at ``level``; ``None`` means unlimited."""
    if level.is_staff:
        return None
    table = settings.WENDAO_LIMITS[action]
    per_day, interval = table[min(level.number, len(table) - 1)]
    return int(per_day), int(interval)


def _utc_now() -> datetime:
    return timezone.now().astimezone(UTC)


def _seconds_to_midnight(now: datetime) -> int:
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return math.ceil((tomorrow - now).total_seconds())


def claim(*, user, action: str, product: Product | int) -> None:
    """Take one unit of ``action`` for ``user`` today, or raise ``LimitReached``.

    Call inside the service's ``transaction.atomic``: the row lock taken by the UPDATE is held
    until the post is written, which serialises one person's concurrent requests (only theirs).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown limited action {action!r}")
    if not enabled():
        return
    level = trust_level(user, product)
    limit = limit_for(action, level)
    if limit is None:
        return
    per_day, interval = limit
    now = _utc_now()
    day = now.date()
    claimable = ActionCounter.objects.filter(user=user, action=action, day=day, count__lt=per_day)
    if interval:
        claimable = claimable.filter(Q(last_at__isnull=True) | Q(last_at__lte=now - timedelta(seconds=interval)))
    if claimable.update(count=F("count") + 1, last_at=now):
        return  # the usual case: one statement
    # The day's row may not exist yet: INSERT ... ON CONFLICT DO NOTHING is safe under
    # concurrency (a second inserter waits for the first and then does nothing); then try again.
    ActionCounter.objects.bulk_create([ActionCounter(user=user, action=action, day=day)], ignore_conflicts=True)
    if claimable.update(count=F("count") + 1, last_at=now):
        return
    counter = ActionCounter.objects.get(user=user, action=action, day=day)
    words = ACTION_WORDS[action]
    if counter.count >= per_day:
        raise LimitReached(
            _(
                "You have reached today's limit of %(limit)d %(what)s for a %(level)s. "
                "The limit resets at midnight UTC and grows as your authority in this product grows."
            )
            % {"limit": per_day, "what": words, "level": level.label.lower()},
            _seconds_to_midnight(now),
        )
    wait = math.ceil(interval - (now - counter.last_at).total_seconds())
    raise LimitReached(
        _("Please wait %(seconds)d seconds before posting more %(what)s; new members pace their posts.")
        % {"seconds": max(1, wait), "what": words},
        wait,
    )


def check_links(*, user, product: Product | int, text: str) -> None:
    """Refuse a post with more links than the author's trust level allows (spam's favourite tool)."""
    if not enabled():
        return
    found = len(LINK_PATTERN.findall(text or ""))
    if not found:
        return
    level = trust_level(user, product)
    if level.is_staff:
        return
    table = settings.WENDAO_LIMITS["max_links"]
    allowed = table[min(level.number, len(table) - 1)]
    if allowed is not None and found > allowed:
        raise ValidationError(
            _("As a %(level)s you can include at most %(allowed)d links in a post; this one has %(found)d.")
            % {"level": level.label.lower(), "allowed": allowed, "found": found}
        )


def is_new_vote(*, old_value: int, value: int) -> bool:
    """Only a fresh vote spends a unit; changing or taking back a vote is free."""
    return old_value == 0 and value in (Vote.UP, Vote.DOWN)


def usage_today(user) -> dict[str, int]:
    """What the person has used today, per action (for their profile and the limit message)."""
    rows = ActionCounter.objects.filter(user=user, day=_utc_now().date()).values_list("action", "count")
    return dict.fromkeys(ACTIONS, 0) | dict(rows)


class LimitReachedMiddleware:
    """Turn ``LimitReached`` raised by a page's service call into a 429 with ``Retry-After``.

    DRF views answer it themselves (it is a ``Throttled``); this covers the HTML pages and htmx.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, LimitReached):
            return None
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": exception.message}, status=429)
        elif getattr(request, "htmx", False):
            from django.utils.html import escape

            response = HttpResponse(f'<span class="error" role="alert">{escape(exception.message)}</span>', status=429)
        else:
            response = render(request, "forum/error.html", {"message": exception.message, "status": 429}, status=429)
        response["Retry-After"] = str(exception.retry_after)
        return response

"""The experts benchmark's child process, one per database (``bench_experts`` starts it).

Builds one product with a year of questions (about 60 % answered, a tenth of the answers by
the product's experts, some endorsements and open flags) with ``bulk_create``, then times:
the weekly analytics report for 12 weeks and for the whole year, the expert workspace page,
and one claim of a daily limit (``forum.limits.claim``) with the statements it costs.

Writes its results as JSON to the path given with ``--out``.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta


def build(*, questions: int, seed: int = 5) -> dict:
    from django.db import connection, transaction

    from forum.models import Endorsement, Flag, Post, Product, Role, RoleAssignment, User

    rng = random.Random(seed)
    now = datetime.now(UTC)
    start = now - timedelta(days=365)
    with transaction.atomic():
        product = Product.objects.create(slug="bench", name="Bench product")
        customers = User.objects.bulk_create(
            User(username=f"c{i}", password="!", date_joined=start - timedelta(days=30)) for i in range(2000)
        )
        experts = User.objects.bulk_create(User(username=f"e{i}", password="!", date_joined=start) for i in range(5))
        RoleAssignment.objects.bulk_create(RoleAssignment(user=e, role=Role.EXPERT, product=product) for e in experts)
        qs = []
        for n in range(questions):
            when = start + timedelta(minutes=rng.randrange(365 * 24 * 60))
            qs.append(
                Post(kind="q", product=product, author=rng.choice(customers), title=f"Question {n}", body="body",
                     created_at=when, last_activity_at=when)
            )  # fmt: skip
        Post.objects.bulk_create(qs, batch_size=2000)
        answers = []
        for question in qs:
            if rng.random() < 0.6:
                for _ in range(rng.randint(1, 3)):
                    author = rng.choice(experts) if rng.random() < 0.1 else rng.choice(customers)
                    when = question.created_at + timedelta(minutes=rng.randrange(5, 72 * 60))
                    answers.append(
                        Post(kind="a", product=product, question=question, author=author, body="answer",
                             score=rng.randrange(0, 6), created_at=when, last_activity_at=when)
                    )  # fmt: skip
        Post.objects.bulk_create(answers, batch_size=2000)
        answered = {a.question_id for a in answers}
        Post.objects.filter(pk__in=answered).update(answer_count=1)
        Endorsement.objects.bulk_create(
            Endorsement(answer=a, expert=rng.choice(experts), created_at=a.created_at + timedelta(hours=5))
            for a in rng.sample(answers, len(answers) // 50)
        )
        Flag.objects.bulk_create(
            Flag(post=a, reporter=rng.choice(customers), reason="spam") for a in rng.sample(answers, 100)
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"questions": len(qs), "answers": len(answers), "product": product.pk, "expert": experts[0].pk}


def _timed(fn, repeat: int) -> dict:
    fn()  # warm caches and the query planner
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return {"median_ms": statistics.median(samples), "max_ms": max(samples), "runs": repeat}


def measure(data: dict, repeat: int) -> dict:
    from django.core.cache import cache
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from forum import analytics, limits
    from forum.models import Product, User

    product = Product.objects.get(pk=data["product"])
    today = datetime.now(UTC).date()
    results = {
        "analytics_12_weeks": _timed(
            lambda: analytics.weekly_report(products=[product], start=today - timedelta(weeks=12), end=today), repeat
        ),
        "analytics_year": _timed(
            lambda: analytics.weekly_report(products=[product], start=today - timedelta(days=364), end=today), repeat
        ),
    }
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client = Client()
    client.force_login(User.objects.get(pk=data["expert"]))
    with override_settings(STORAGES=storages):
        url = f"/experts/{product.slug}/"
        results["workspace"] = _timed(lambda: client.get(url, secure=True), repeat)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, secure=True).status_code == 200
        results["workspace"]["statements"] = len(captured.captured_queries)
        page_url = f"/analytics/?product={product.slug}"
        results["analytics_page"] = _timed(lambda: client.get(page_url, secure=True), repeat)

    customer = User.objects.filter(username__startswith="c").first()
    wide = {a: [(10**9, 0)] * 4 for a in limits.ACTIONS}
    with override_settings(WENDAO_LIMITS={"ENABLED": True, "max_links": [None] * 4, **wide}):

        def claim():
            with transaction.atomic():
                limits.claim(user=customer, action="vote", product=product.pk)

        results["claim"] = _timed(claim, repeat * 10)

        def statements(fresh_cache: bool) -> int:
            nonlocal customer
            customer = User.objects.get(pk=customer.pk)  # a new request: no per-request memo
            if fresh_cache:
                cache.clear()
            with CaptureQueriesContext(connection) as captured:
                claim()
            return len([q for q in captured.captured_queries if q["sql"] not in ("BEGIN", "BEGIN IMMEDIATE", "COMMIT")])

        results["claim"]["statements"] = f"{statements(False)} ({statements(True)} with a cold trust cache)"
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    data = build(questions=args.questions)
    data["build_seconds"] = time.perf_counter() - started
    print(f"  data built in {data['build_seconds']:.0f} s", file=sys.stderr, flush=True)
    results = measure(data, args.repeat)
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump({"data": data, "results": results}, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

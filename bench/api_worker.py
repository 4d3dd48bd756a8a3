"""The API benchmark's child process (``bench_api`` starts one per database with that database's
environment). Migrates the throwaway database, builds a question with 50 answers (comments,
votes, an accepted answer, an expert's endorsement) and enough other questions for a full list
page, all through ``forum.services``; then times ``GET /api/v1/questions/{id}/`` and
``GET /api/v1/questions/?page_size=50`` in-process through Django's test client, anonymously
and with a personal token. Writes JSON results to ``--out``.
"""

import argparse
import contextlib
import gc
import json
import os
import sys
import time
from datetime import timedelta


def build(*, answers: int, list_questions: int, comments: int) -> dict:
    from django.utils import timezone

    from forum import services
    from forum.api.tokens import token_create
    from forum.models import Product, Role, RoleAssignment, Tag, User

    try:
        from forum.limits import bypass as limits_off  # daily limits would stop a bulk build
    except ImportError:  # pragma: no cover
        limits_off = contextlib.nullcontext

    joined = timezone.now() - timedelta(days=400)
    product = Product.objects.create(slug="bench-api", name="Bench API Router", language="en")
    Tag.objects.bulk_create([Tag(product=product, name=n) for n in ("wifi", "固件", "vpn", "mesh")])
    User.objects.bulk_create(
        [User(username=f"api{i}", display_name=f"用户 {i}", date_joined=joined) for i in range(60)]
    )
    people = list(User.objects.filter(username__startswith="api").order_by("pk"))
    expert = User.objects.create(username="api-expert", display_name="Router Expert", date_joined=joined)
    RoleAssignment.objects.create(user=expert, role=Role.EXPERT, product=product)
    reader = User.objects.create(username="api-reader", date_joined=joined)

    with limits_off():
        question = services.question_ask(
            author=people[0],
            product=product,
            title="路由器每晚断线 / The router drops Wi-Fi every night",
            body="Every night at 2 am the 5 GHz band drops. 每晚两点五千兆赫频段断开。",
            tags=["wifi", "固件"],
        )
        for k in range(comments):
            services.comment_add(author=people[k + 1], post=question, body=f"Same here, comment {k}. 我也是。")
        made = []
        for i in range(answers):
            author = expert if i == 7 else people[(i % 59) + 1]
            answer = services.answer_post(
                author=author,
                question=question,
                body=f"Answer {i}: update the firmware to 2.{i}, then **reboot**. 升级固件后重启。\n\n- one\n- two",
            )
            made.append(answer)
            for k in range(comments):
                services.comment_add(author=people[(i + k + 3) % 60], post=answer, body=f"Worked for me ({k}). 有用。")
            for k in range(i % 5):
                voter = people[(i * 3 + k + 11) % 60]
                if voter.pk != author.pk:
                    services.vote_cast(voter=voter, post=answer, value=1 if k % 4 else -1)
        services.answer_accept(user=people[0], answer=made[3])
        services.answer_endorse(expert=expert, answer=made[5], note="Confirmed by support 官方确认")
        for i in range(list_questions):
            services.question_ask(
                author=people[i % 60],
                product=product,
                title=f"Question {i}: how do I set up the mesh? 如何设置",
                body="I have two satellites and the app does not find them.",
                tags=["mesh"],
            )
    _token, raw = token_create(user=reader, name="bench")
    return {"question_id": question.pk, "token": raw}


def _timings(fn, *, repeat: int, warmup: int) -> tuple[list[float], list[float]]:
    """Wall-clock and this thread's CPU milliseconds per call. On a busy machine the wall clock
    includes waiting for a core; the CPU time is the work Python did (with SQLite that includes
    the database; PostgreSQL's own work is not in it)."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.thread_time()
        fn()
        cpu.append((time.thread_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return wall, cpu


def measure(data: dict, *, repeat: int) -> list[dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from bench.tables import median, p95

    anonymous = APIClient()
    with_token = APIClient()
    with_token.credentials(HTTP_AUTHORIZATION=f"Bearer {data['token']}")
    endpoints = [
        ("question detail (50 answers)", f"/api/v1/questions/{data['question_id']}/"),
        ("question list (page of 50)", "/api/v1/questions/?page_size=50"),
    ]
    from django.conf import settings

    kept_seconds = settings.WENDAO["ANONYMOUS_PAGE_SECONDS"]
    # "anonymous, kept copy": the JSON forum/page_cache.py keeps for clients without a session or
    # token; "anonymous" and "token": built for the request.
    readers = [("anonymous, kept copy", anonymous), ("anonymous", anonymous), ("token", with_token)]
    rows = []
    for name, url in endpoints:
        for who, client in readers:
            settings.WENDAO["ANONYMOUS_PAGE_SECONDS"] = kept_seconds if who.endswith("kept copy") else 0

            def get(client=client, url=url):
                response = client.get(url, secure=True)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:200]!r}")
                return response

            get()
            with CaptureQueriesContext(connection) as captured:
                response = get()
            queries = len(captured.captured_queries)
            samples, cpu = _timings(get, repeat=repeat, warmup=10)
            rows.append(
                {
                    "endpoint": name,
                    "user": who,
                    "queries": queries,
                    "median_ms": median(samples),
                    "p95_ms": p95(samples),
                    "cpu_median_ms": median(cpu),
                    "runs": repeat,
                    "kilobytes": round(len(response.content) / 1024, 1),
                }
            )
            print(
                f"  {name:<30} {who:<10} {queries:>3} queries  {median(samples):.1f} ms, CPU {median(cpu):.1f} ms",
                file=sys.stderr,
            )
    settings.WENDAO["ANONYMOUS_PAGE_SECONDS"] = kept_seconds
    return rows


# What ``--count`` measures, by name: (endpoint, reader).
COUNTED = {
    "detail-anonymous": ("detail", False),
    "detail-token": ("detail", True),
    "list-anonymous": ("list", False),
    "list-token": ("list", True),
}


def count(data: dict, *, case: str, repeat: int) -> None:
    """Make ``repeat`` requests of ``case`` (built per request, no kept copy) inside
    ``itertools.dropwhile``, after warm-ups: run under ``valgrind --tool=callgrind
    --collect-atstart=no --toggle-collect=dropwhile_next``, callgrind counts the instructions of
    exactly those requests (``bench_api`` does this with ``BENCH_API_CALLGRIND=1``)."""
    import itertools

    from django.conf import settings
    from rest_framework.test import APIClient

    endpoint, signed_in = COUNTED[case]
    url = f"/api/v1/questions/{data['question_id']}/" if endpoint == "detail" else "/api/v1/questions/?page_size=50"
    client = APIClient()
    if signed_in:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {data['token']}")
    settings.WENDAO["ANONYMOUS_PAGE_SECONDS"] = 0

    def get(_=None) -> bool:
        response = client.get(url, secure=True)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:200]!r}")
        return True

    for _ in range(5):
        get()
    gc.collect()
    gc.freeze()
    list(itertools.dropwhile(get, range(repeat)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--answers", type=int, default=50)
    parser.add_argument("--list-questions", type=int, default=60)
    parser.add_argument("--comments", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--count", choices=sorted(COUNTED), help="only make requests for callgrind to count")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # The benchmark is one client hammering one address; the anonymous throttle would answer 429.
    os.environ["API_ANON_RATE"] = "1000000/minute"
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    data = build(answers=args.answers, list_questions=args.list_questions, comments=args.comments)
    built = time.perf_counter()
    # A web worker starts with an empty heap; this process has just built the data set. Freezing
    # what exists now keeps the build's leftovers out of every garbage collection during timing,
    # as ``gc.freeze()`` after preloading does for a gunicorn worker.
    if args.count:
        count(data, case=args.count, repeat=args.repeat)
        with open(args.out, "w", encoding="utf-8") as out:
            json.dump({"rows": [], "build_seconds": round(built - started, 1)}, out)
        return 0
    gc.collect()
    gc.freeze()
    rows = measure(data, repeat=args.repeat)
    from django.db import connection

    connection.close()
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump({"rows": rows, "build_seconds": round(built - started, 1)}, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

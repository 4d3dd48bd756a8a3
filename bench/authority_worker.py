"""The authority benchmark's child process, one per database (``bench_authority`` starts it).

Builds users, products, questions, answers and votes with bulk SQL (the data a big community has
after years; building it through the services would take hours and measure nothing new), then
times ``authority_store.recompute()`` twice (a first full rebuild that writes every row, and an
idempotent rerun), and the vote request with its incremental update through Django's test
client: median and p95 time and the SQL statements of one request.

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


def _insert(cursor, vendor: str, table: str, columns: list[str], rows) -> None:
    if vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", list(rows))


def build(*, users: int, products: int, votes: int, seed: int = 3) -> dict:
    from django.db import connection, transaction

    from forum.models import Post, Product, User, Vote

    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    vendor = connection.vendor
    questions = max(10, votes // 25)
    answers = questions * 4
    with transaction.atomic(), connection.cursor() as cursor:
        product_ids = [Product.objects.create(slug=f"p{i}", name=f"Product {i}").pk for i in range(products)]
        joined = start - timedelta(days=30)
        _insert(
            cursor,
            vendor,
            User._meta.db_table,
            ["password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff", "is_active",
             "date_joined", "display_name", "bio", "preferred_language", "external_source", "external_id"],
            ((("!", False, f"u{i}", "", "", "", False, True, joined, "", "", "", "", "")) for i in range(users)),
        )  # fmt: skip
        user_ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
        post_cols = ["kind", "product_id", "question_id", "author_id", "title", "body", "body_html",
                     "body_html_version", "score", "upvotes", "downvotes", "answer_count", "comment_count",
                     "view_count", "rank_score", "effective_votes", "weighted_up", "weighted_down",
                     "endorsement_count", "author_authority", "is_accepted", "has_accepted_answer", "closed_reason",
                     "created_at", "last_activity_at", "external_source", "external_id", "source_url",
                     "source_author", "source_license"]  # fmt: skip
        extra = [f.name for f in Post._meta.concrete_fields if f.column not in post_cols and f.name != "id"]
        defaults = {f.name: f.get_default() for f in Post._meta.concrete_fields}
        extra_cols = [Post._meta.get_field(n).column for n in extra if not Post._meta.get_field(n).null]
        extra_vals = [defaults[n] for n in extra if not Post._meta.get_field(n).null]

        def post_row(kind, product, question, author, when):
            return [kind, product, question, author, "Q" if kind == "q" else "", "body", "<p>body</p>", 1, 0, 0, 0,
                    0, 0, 0, 0.0, 0.0, 0, 0, 0, 0, False, False, "", when, when, "", "", "", "", "",
                    *extra_vals]  # fmt: skip

        q_rows = []
        for _ in range(questions):
            when = start + timedelta(minutes=rng.randrange(365 * 24 * 60))
            q_rows.append(post_row("q", rng.choice(product_ids), None, rng.choice(user_ids), when))
        _insert(cursor, vendor, Post._meta.db_table, post_cols + extra_cols, q_rows)
        question_rows = list(Post.objects.filter(kind="q").values_list("pk", "product_id", "created_at"))
        a_rows = []
        for _ in range(answers):
            qid, pid, asked = rng.choice(question_rows)
            a_rows.append(post_row("a", pid, qid, rng.choice(user_ids), asked + timedelta(hours=rng.randrange(1, 72))))
        _insert(cursor, vendor, Post._meta.db_table, post_cols + extra_cols, a_rows)
        posts = list(Post.objects.values_list("pk", "author_id", "product_id", "created_at"))
        seen: set[tuple[int, int]] = set()
        vote_rows = []
        while len(vote_rows) < votes:
            pk, author, pid, created = posts[rng.randrange(len(posts))]
            voter = user_ids[rng.randrange(len(user_ids))]
            if voter == author or (voter, pk) in seen:
                continue
            seen.add((voter, pk))
            value = 1 if rng.random() < 0.85 else -1
            when = created + timedelta(hours=rng.randrange(1, 24 * 120))
            weight = rng.choice((0, 1000, 1000, 1000, 1500, 2300, 3000))
            vote_rows.append((pk, voter, value, when, when.date().toordinal(), "", "", author, pid, weight))
        _insert(
            cursor,
            vendor,
            Vote._meta.db_table,
            ["post_id", "voter_id", "value", "created_at", "day", "external_source", "external_id", "author_id",
             "product_id", "weight"],
            vote_rows,
        )  # fmt: skip
        # Counters as the services would have kept them.
        cursor.execute(
            f"UPDATE {Post._meta.db_table} SET upvotes = (SELECT COUNT(*) FROM {Vote._meta.db_table} v"
            f" WHERE v.post_id = {Post._meta.db_table}.id AND v.value = 1)"
        )
    with connection.cursor() as cursor:
        if vendor != "postgresql":
            cursor.execute("ANALYZE")
        else:
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load
    return {"users": users, "products": products, "posts": len(posts), "votes": len(vote_rows)}


def _server_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend so far (the server runs on this machine
    in the benchmark; None where its process cannot be read)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    connection.ensure_connection()
    try:
        with open(f"/proc/{connection.connection.info.backend_pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def time_recompute() -> dict:
    from forum.authority_store import recompute

    def timed():
        started, cpu, server = time.perf_counter(), time.process_time(), _server_cpu()
        result = recompute()
        server_after = _server_cpu()
        return (
            result,
            time.perf_counter() - started,
            time.process_time() - cpu,
            None if server is None or server_after is None else server_after - server,
        )

    first, first_s, first_cpu, first_server = timed()
    second, second_s, second_cpu, second_server = timed()
    return {
        "first_s": first_s,
        # This process's CPU seconds (on SQLite all the work; on PostgreSQL the server's is apart,
        # read from its backend process): on a busy shared machine, wall time includes waiting for a core.
        "first_cpu_s": first_cpu,
        "first_server_cpu_s": first_server,
        "first": first,
        "second_s": second_s,
        "second_cpu_s": second_cpu,
        "second_server_cpu_s": second_server,
        "second": second,
    }


def time_votes(repeat: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from forum.models import Post, User

    rng = random.Random(11)
    answers = list(Post.objects.filter(kind="a").values_list("pk", "author_id")[:5000])
    voters = list(User.objects.order_by("-pk")[: repeat + 10])
    samples, cpu_samples, queries = [], [], []

    def pick(voter):
        pk, author = rng.choice(answers)
        while author == voter.pk:
            pk, author = rng.choice(answers)
        return reverse("forum:vote", args=[pk])

    for i, voter in enumerate(voters[: repeat + 1]):
        client = Client()
        client.force_login(voter)
        # The voter's first vote warms what any visit warms (the session, their roles in the cache).
        client.post(pick(voter), {"value": "1"}, secure=True)
        url = pick(voter)
        if i == repeat:
            with CaptureQueriesContext(connection) as captured:
                response = client.post(url, {"value": "1"}, secure=True)
            queries = [q["sql"] for q in captured.captured_queries]
        else:
            started, cpu = time.perf_counter(), time.thread_time()
            response = client.post(url, {"value": "1"}, secure=True)
            samples.append((time.perf_counter() - started) * 1000)
            cpu_samples.append((time.thread_time() - cpu) * 1000)
        assert response.status_code in (302, 400), response.status_code
    ordered = sorted(samples)
    statements = [q for q in queries if q not in ("BEGIN", "BEGIN IMMEDIATE", "COMMIT")]
    return {
        "median_ms": statistics.median(samples),
        # The request thread's own CPU time (SQLite's work included; PostgreSQL's is not).
        "median_cpu_ms": statistics.median(cpu_samples),
        "p95_ms": ordered[int(0.95 * (len(ordered) - 1))],
        "runs": len(samples),
        "statements": len(statements),
        "transaction_statements": len(queries) - len(statements),
        "queries": statements,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--products", type=int, default=5)
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    data = build(users=args.users, products=args.products, votes=args.votes)
    build_s = time.perf_counter() - started
    print(f"  data built in {build_s:.0f} s", file=sys.stderr, flush=True)
    recompute_result = time_recompute()
    print(f"  recompute {recompute_result['first_s']:.1f} s", file=sys.stderr, flush=True)
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        votes = time_votes(args.repeat)
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump({"data": data, "build_seconds": build_s, "recompute": recompute_result, "vote": votes}, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

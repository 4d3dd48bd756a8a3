"""The REST API: server time and SQL queries of the question detail (50 answers, each with
comments; votes, an accepted and an endorsed answer) and of a question list page of 50, on
SQLite and on PostgreSQL, anonymously and with a personal token.

Targets (issue 7): question detail median ≤ 15 ms with a constant number of queries (the
constant is asserted in ``tests/api/test_endpoints.py``), list page of 50 median ≤ 10 ms.
Each database is a throwaway copy (``bench.databases``) served by its own child process
(``bench.api_worker``). With ``BENCH_API_CALLGRIND=1`` (or ``=detail-token,list-anonymous``...)
it counts each request's instructions under callgrind instead of timing it.
"""

import contextlib
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from .databases import throwaway_database
from .tables import Table

TARGET_MS = {"question detail (50 answers)": 15.0, "question list (page of 50)": 10.0}
FULL = {"answers": 50, "list_questions": 60, "comments": 2, "repeat": 200}
QUICK = {"answers": 50, "list_questions": 50, "comments": 1, "repeat": 10}

ROOT = Path(__file__).resolve().parent.parent


def _run_worker(env: dict[str, str], params: dict, *, count: str | None = None) -> dict:
    """Run the worker; with ``count`` (a case of ``api_worker.COUNTED``) under callgrind, adding
    ``instructions``: the instructions of ``params["repeat"]`` requests of that case."""
    with tempfile.TemporaryDirectory(prefix="wendao-bench-api-") as out_dir:
        out = os.path.join(out_dir, "results.json")
        command = [sys.executable, "-m", "bench.api_worker", "--out", out]
        for key, value in params.items():
            command += [f"--{key.replace('_', '-')}", str(value)]
        if count is None:
            subprocess.run(command, env=env, cwd=ROOT, check=True)
        else:
            callgrind = [
                "valgrind",
                "--tool=callgrind",
                "--collect-atstart=no",
                "--toggle-collect=dropwhile_next",
                f"--callgrind-out-file={os.path.join(out_dir, 'callgrind.out')}",
            ]
            done = subprocess.run(
                [*callgrind, *command, "--count", count], env=env, cwd=ROOT, check=True, capture_output=True, text=True
            )
            found = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
            if found is None:
                raise RuntimeError(f"no instruction count from callgrind: {done.stderr[-500:]}")
        with open(out, encoding="utf-8") as results:
            result = json.load(results)
        if count is not None:
            result["instructions"] = int(found.group(1))
        return result


def count_instructions(databases: list[str], which: str) -> list[Table]:
    """``BENCH_API_CALLGRIND=1`` (or a comma-separated list of ``api_worker.COUNTED``'s cases):
    instructions per request (callgrind), which unlike times do not depend on what else the
    machine is doing. Slow: each case builds its data under valgrind (a few minutes)."""
    from .api_worker import COUNTED

    cases = list(COUNTED) if which in ("1", "all") else [case.strip() for case in which.split(",")]
    repeat = 10
    table = Table(
        title="API: instructions per request (callgrind)",
        columns=["database", "request", "M instructions per request"],
    )
    for database in databases:
        for case in cases:
            print(f"api bench: counting {case} on {database} under callgrind", file=sys.stderr, flush=True)
            with _own_postgres_database(), throwaway_database(database) as (env, _description):
                result = _run_worker(env, {**FULL, "repeat": repeat}, count=case)
            table.add(database, case, round(result["instructions"] / repeat / 1e6, 1))
    table.notes.append(
        f"{repeat} requests after 5 warm-ups, counted inside itertools.dropwhile (valgrind --toggle-collect); "
        "the same data as the timed run."
    )
    return [table]


@contextlib.contextmanager
def _own_postgres_database():
    """A throwaway PostgreSQL database of this benchmark's own, so that another benchmark running
    at the same time (and dropping its database when done) cannot pull it away."""
    saved = os.environ.get("BENCH_POSTGRES_URL")
    if saved is None:
        os.environ["BENCH_POSTGRES_URL"] = "postgres://postgres@127.0.0.1:5432/wendao_bench_api"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("BENCH_POSTGRES_URL", None)


def run(options) -> list[Table]:
    quick = getattr(options, "quick", False)
    params = QUICK if quick else FULL
    databases = [name.strip() for name in getattr(options, "databases", "sqlite,postgres").split(",") if name.strip()]
    if os.environ.get("BENCH_API_CALLGRIND"):
        return count_instructions(databases, os.environ["BENCH_API_CALLGRIND"])
    table = Table(
        title="API: server time and SQL queries" + (" (quick smoke run, not a measurement)" if quick else ""),
        columns=["database", "endpoint", "user", "queries", "median ms", "p95 ms", "target", "CPU ms", "runs", "KiB"],
    )
    notes = []
    load_at_start = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    for database in databases:
        print(f"api bench: {database}", file=sys.stderr, flush=True)
        with _own_postgres_database(), throwaway_database(database) as (env, description):
            result = _run_worker(env, params)
        notes.append(f"{database}: {description}; data built in {result['build_seconds']:.0f} s")
        for row in result["rows"]:
            target = TARGET_MS[row["endpoint"]]
            verdict = "ok" if row["median_ms"] <= target else "MISSED"
            # The target is judged on responses built for the request; a kept copy is shown beside.
            judged = f"≤ {target:.0f} {verdict}" if not row["user"].endswith("kept copy") else "–"
            table.add(
                database,
                row["endpoint"],
                row["user"],
                row["queries"],
                row["median_ms"],
                row["p95_ms"],
                judged,
                row["cpu_median_ms"],
                row["runs"],
                row["kilobytes"],
            )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    table.notes += [
        f"{len(os.sched_getaffinity(0))} cores, {platform.python_implementation()} {platform.python_version()}, "
        f"load average {load_at_start} at the start, {load} at the end (other work on the machine skews "
        "times, not query counts).",
        "Server time: DRF through Django's test client in-process, request to rendered JSON; DEBUG off, "
        "persistent connections. Token requests include the token lookup (one query) and the reader's own votes "
        "and permitted actions on every post. CPU ms: this thread's CPU time "
        "(the wall clock also counts waiting for a core on a busy machine).",
        "'anonymous, kept copy': the JSON forum/page_cache.py keeps for clients without a session or token "
        "(a question's detail retired at once by any change to its thread, a list page kept up to "
        "WENDAO_ANONYMOUS_PAGE_SECONDS); 'anonymous' and 'token' are built per request.",
        *notes,
    ]
    return [table]

"""Knowledge base: export of N articles in every format, and the bot answer API's latency.

Each database gets a throwaway copy (``bench.databases``) and its own child process
(``bench.knowledge_worker``). Targets (issue 5): each export of 10,000 articles ≤ 5 s; bot answer
API median ≤ 20 ms and p95 ≤ 50 ms at 10,000 articles.
"""

import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from .databases import throwaway_database
from .tables import Table

MAX_EXPORT_S = 5.0
MAX_MEDIAN_MS = 20.0
MAX_P95_MS = 50.0
FULL = {"articles": 10000, "export_repeat": 3, "queries": 1000}
QUICK = {"articles": 300, "export_repeat": 1, "queries": 50}
ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def _own_services():
    """A PostgreSQL database and a Redis cache db of this benchmark's own, so that another
    benchmark running at the same time (they share `make services`) cannot drop them."""
    saved = {name: os.environ.get(name) for name in ("BENCH_POSTGRES_URL", "BENCH_CACHE_URL")}
    os.environ.setdefault("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/wendao_bench_knowledge")
    os.environ.setdefault("BENCH_CACHE_URL", "redis://127.0.0.1:6379/15")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _run_worker(env: dict[str, str], params: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix="wendao-bench-out-") as out_dir:
        out = os.path.join(out_dir, "results.json")
        command = [sys.executable, "-m", "bench.knowledge_worker", "--out", out]
        for key, value in params.items():
            command += [f"--{key.replace('_', '-')}", str(value)]
        subprocess.run(command, env=env, cwd=ROOT, check=True)
        with open(out, encoding="utf-8") as results:
            return json.load(results)


def _ok(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def run(options) -> list[Table]:
    quick = getattr(options, "quick", False)
    params = QUICK if quick else FULL
    databases = [d.strip() for d in getattr(options, "databases", "sqlite,postgres").split(",") if d.strip()]
    suffix = " (quick smoke run, not a measurement)" if quick else ""
    exports = Table(
        title=f"Knowledge base export of {params['articles']} articles{suffix}",
        columns=[
            "database",
            "format",
            "articles",
            "best s",
            "median s",
            "target",
            "CPU s",
            "MB",
            "byte-identical",
            "runs",
        ],
    )
    bot = Table(
        title=f"Bot answer API at {params['articles']} articles{suffix}",
        columns=["database", "queries", "median ms", "p95 ms", "max ms", "target", "CPU median ms", "runs"],
    )
    notes = []
    for database in databases:
        print(f"knowledge bench: {database}", file=sys.stderr, flush=True)
        with _own_services(), throwaway_database(database) as (env, description):
            result = _run_worker(env, params)
        # Also on stderr as soon as it is known, so a later failure does not lose it.
        print(json.dumps({"database": database, **result}), file=sys.stderr, flush=True)
        for row in result["exports"]:
            exports.add(
                database,
                row["format"],
                row["articles"],
                row["best_s"],
                row["median_s"],
                f"≤ {MAX_EXPORT_S:.0f} {_ok(row['median_s'] <= MAX_EXPORT_S)}",
                row.get("cpu_s", "–"),
                round(row["bytes"] / 1e6, 2),
                "yes" if row["reproducible"] else "NO",
                row["runs"],
            )
        for row in result["bot"]:
            ok = row["median_ms"] <= MAX_MEDIAN_MS and row["p95_ms"] <= MAX_P95_MS
            bot.add(
                database,
                row["queries"],
                row["median_ms"],
                row["p95_ms"],
                row["max_ms"],
                f"≤ {MAX_MEDIAN_MS:.0f} / ≤ {MAX_P95_MS:.0f} {_ok(ok)}",
                row.get("cpu_median_ms", "–"),
                row["runs"],
            )
        notes.append(
            f"{database}: {description}; {params['articles']} articles built in {result['build_seconds']:.0f} s; "
            f"first query after a publish (index build) {result['cold_ms']:.0f} ms; "
            f"answered with confidence ≥ threshold: {result['hit_rate']:.1%} of exact and reworded questions"
        )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    common = [
        f"{len(os.sched_getaffinity(0))} cores, {platform.python_implementation()} {platform.python_version()}, "
        f"load average {load} at the end (other work on the machine skews times).",
        *notes,
    ]
    cpu_note = (
        "CPU s / CPU ms: the benchmark process's own CPU time (time.process_time), which leaves out the time spent "
        "waiting for a core on a busy machine; the database server's time is not in it."
    )
    exports.notes += [
        "Whole export: query, format, write to a temporary file, fsync, rename, SHA-256.",
        cpu_note,
        *common,
    ]
    bot.notes += [
        "Server time through Django's test client in-process: middleware, DRF, retrieval, article fetch, and the "
        "anonymised query log (misses are grouped by similarity in the same request). DEBUG off.",
        "Queries: 40 % exact phrasings, 40 % reworded (a word dropped, order shuffled), 20 % unrelated (misses); "
        "half English, half Chinese.",
        cpu_note,
        *common,
    ]
    return [exports, bot]

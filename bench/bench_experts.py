"""Experts: the weekly analytics over a year of one busy product, the expert workspace page, and
the cost of claiming a daily limit, on SQLite and on PostgreSQL.

Data: 30,000 questions in a year (about 36,000 answers, a tenth by experts, endorsements,
100 open flags). Each database is a throwaway copy (``bench.databases``) used by its own child
process (``bench.experts_worker``).
"""

import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from .databases import throwaway_database
from .tables import Table

FULL = {"questions": 30_000, "repeat": 20}
QUICK = {"questions": 3_000, "repeat": 5}
ROOT = Path(__file__).resolve().parent.parent


def _run_worker(env: dict[str, str], params: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix="wendao-bench-experts-") as out_dir:
        out = os.path.join(out_dir, "results.json")
        command = [sys.executable, "-m", "bench.experts_worker", "--out", out]
        for key, value in params.items():
            command += [f"--{key}", str(value)]
        subprocess.run(command, env=env, cwd=ROOT, check=True)
        with open(out, encoding="utf-8") as results:
            return json.load(results)


def run(options) -> list[Table]:
    quick = getattr(options, "quick", False)
    params = QUICK if quick else FULL
    databases = [name.strip() for name in getattr(options, "databases", "sqlite,postgres").split(",") if name.strip()]
    suffix = " (quick smoke run, not a measurement)" if quick else ""
    table = Table(
        title="Experts: analytics, workspace and limits" + suffix,
        columns=["database", "what", "median ms", "max ms", "runs", "SQL statements"],
    )
    for database in databases:
        print(f"experts bench: {database}", file=sys.stderr, flush=True)
        with throwaway_database(database) as (env, description):
            result = _run_worker(env, params)
        data, r = result["data"], result["results"]
        rows = [
            ("weekly report, 12 weeks", r["analytics_12_weeks"], ""),
            ("weekly report, 52 weeks", r["analytics_year"], ""),
            ("analytics page (12 weeks, charts)", r["analytics_page"], ""),
            ("expert workspace page", r["workspace"], r["workspace"]["statements"]),
            ("limits.claim (one vote)", r["claim"], r["claim"]["statements"]),
        ]
        for what, timing, statements in rows:
            table.add(database, what, timing["median_ms"], timing["max_ms"], timing["runs"], statements)
        table.notes.append(
            f"{database}: {description}; {data['questions']} questions, {data['answers']} answers, "
            f"built in {data['build_seconds']:.0f} s"
        )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    table.notes.append(
        f"{len(os.sched_getaffinity(0))} cores, {platform.python_implementation()} {platform.python_version()}, "
        f"load average {load} at the end (other work on the machine skews times). Pages through Django's "
        "test client in-process, DEBUG off. A claim is one conditional UPDATE once the person's trust level "
        "is cached (five minutes); a cold cache adds the authority read."
    )
    return [table]

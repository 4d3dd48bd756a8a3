"""Turn locust's CSV statistics into the tables of docs/benchmarks.md (between the bench-load markers).

``report.py DRIFT SETTINGS DOC USERS=STATS_CSV...``: one table per run (one run per number of
simulated users), each with the page views per second and the verdict against issue 8's targets.
"""

import csv
import os
import sys
from pathlib import Path

# One marked section per mix (LOAD_MIX): "mixed" (the default) and "pages".
_MIX = os.environ.get("LOAD_MIX", "mixed")
_NAME = "bench-load" if _MIX == "mixed" else f"bench-load-{_MIX}"
START, END = f"<!-- {_NAME}:start -->", f"<!-- {_NAME}:end -->"

#: Issue 8's targets on our 2-core machine.
MIN_PAGE_VIEWS_PER_SECOND = 300
MAX_P95_MS = 100


def verdict(rows: list[dict]) -> str:
    """Page views per second (every kind named "page: ..."), the p95 of all requests, errors."""
    page_views = sum(float(row["Requests/s"]) for row in rows if row["Name"].startswith("page:"))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    p95, errors = float(total["95%"]), int(total["Failure Count"])
    met = page_views >= MIN_PAGE_VIEWS_PER_SECOND and p95 <= MAX_P95_MS and errors == 0
    return (
        f"{page_views:.1f} page views/s, p95 {p95:.0f} ms, {errors} errors: "
        f"{'met' if met else 'missed'} (targets: ≥ {MIN_PAGE_VIEWS_PER_SECOND} page views/s, "
        f"p95 ≤ {MAX_P95_MS} ms, no errors)"
    )


def table(users: str, stats_csv: Path) -> str:
    rows = list(csv.DictReader(stats_csv.open(encoding="utf-8")))
    lines = [
        f"**{users} simulated users**: {verdict(rows)}.",
        "",
        "| Kind | Requests | Requests/s | Median (ms) | p95 (ms) | Errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "**all**"
        lines.append(
            f"| {name} | {row['Request Count']} | {float(row['Requests/s']):.1f} "
            f"| {float(row['Median Response Time']):.0f} | {float(row['95%']):.0f} | {row['Failure Count']} |"
        )
    return "\n".join(lines)


def section(drift: str, settings: str, runs: list[str]) -> str:
    tables = [table(users, Path(stats_csv)) for users, stats_csv in (run.split("=", 1) for run in runs)]
    return "\n\n".join([settings, *tables, f"Drift afterwards (`manage.py reconcile`): {drift}"])


def main(drift: str, settings: str, doc: str, *runs: str) -> None:
    path = Path(doc)
    text = path.read_text(encoding="utf-8")
    block = f"{START}\n{section(drift, settings, list(runs))}\n{END}"
    if START in text:
        before, rest = text.split(START, 1)
        text = before + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Load: `make bench-load`\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])

"""Turn locust's CSV statistics into the table of docs/benchmarks.md (between the bench-load markers)."""

import csv
import os
import sys
from pathlib import Path

# One marked section per mix (LOAD_MIX): "mixed" (the default) and "pages".
_MIX = os.environ.get("LOAD_MIX", "mixed")
_NAME = "bench-load" if _MIX == "mixed" else f"bench-load-{_MIX}"
START, END = f"<!-- {_NAME}:start -->", f"<!-- {_NAME}:end -->"


def table(stats_csv: Path, drift: str, settings: str) -> str:
    rows = list(csv.DictReader(stats_csv.open(encoding="utf-8")))
    lines = [
        settings,
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
    lines += ["", f"Drift afterwards (`manage.py reconcile`): {drift}"]
    return "\n".join(lines)


def main(stats_csv: str, drift: str, settings: str, doc: str = "docs/benchmarks.md") -> None:
    path = Path(doc)
    text = path.read_text(encoding="utf-8")
    block = f"{START}\n{table(Path(stats_csv), drift, settings)}\n{END}"
    if START in text:
        before, rest = text.split(START, 1)
        text = before + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Load: `make bench-load`\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])

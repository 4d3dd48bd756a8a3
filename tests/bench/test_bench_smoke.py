"""The forum benchmark in quick mode on SQLite, so that ``make bench`` cannot rot unnoticed.

It checks the table's shape and the query counts (deterministic), never the times: speed
targets live in the benchmark's output (docs/benchmarks.md), not in a timed test.
"""

import argparse

from bench import bench_forum


def test_forum_bench_quick_run_prints_every_page_with_its_targets():
    (table,) = bench_forum.run(argparse.Namespace(databases="sqlite", quick=True))
    rendered = table.render()

    rows = {(row[0], row[1], row[2], row[3]): row for row in table.rows}
    readers = ("anonymous, kept page", "anonymous", "signed in")
    expected = {
        ("sqlite", page, answers, user)
        for page, answers in [("question", 1), ("question", 10), ("product list", "–")]
        for user in readers
    } | {("sqlite", "question", answers, "signed in, cold") for answers in (1, 10)}
    assert set(rows) == expected
    for row in table.rows:
        queries, median_ms, p95_ms = row[4], row[6], row[7]
        # A kept page reads nothing (a question page still counts its view: one UPDATE).
        assert isinstance(queries, int) and (queries > 0 or row[3] == "anonymous, kept page")
        assert 0 < median_ms <= p95_ms
    for answers in (1, 10):
        assert rows[("sqlite", "question", answers, "anonymous, kept page")][4] == 1
    # The question page's query count must not grow with its answers.
    for user in (*readers, "signed in, cold"):
        assert rows[("sqlite", "question", 1, user)][4] == rows[("sqlite", "question", 10, user)][4]
    assert "Forum pages" in rendered and "≤ 8" in rendered and "| sqlite" in rendered

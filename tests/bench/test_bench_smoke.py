"""The forum benchmark in quick mode on SQLite, so that ``make bench`` cannot rot unnoticed.

It checks the table's shape and the query counts (deterministic), never the times: speed
targets live in the benchmark's output (docs/benchmarks.md), not in a timed test.
"""

import argparse

from bench import bench_forum

FIRST_AFTER_A_CHANGE = ("signed in, after a vote", "signed in, cold")


def test_forum_bench_quick_run_prints_every_page_with_its_targets():
    (table,) = bench_forum.run(argparse.Namespace(databases="sqlite", quick=True))
    rendered = table.render()

    rows = {(row[0], row[1], row[2], row[3]): row for row in table.rows}
    readers = ("anonymous, kept page", "anonymous", "signed in")
    expected = {
        ("sqlite", page, answers, user)
        for page, answers in [("question", 1), ("question", 10), ("product list", "–")]
        for user in readers
    } | {("sqlite", "question", answers, user) for answers in (1, 10) for user in FIRST_AFTER_A_CHANGE}
    assert set(rows) == expected
    for row in table.rows:
        queries, median_ms, p95_ms = row[4], row[6], row[7]
        assert isinstance(queries, int) and 0 <= queries <= 8
        assert 0 < median_ms <= p95_ms
    for answers in (1, 10):
        question = {user: rows[("sqlite", "question", answers, user)][4] for user in (*readers, *FIRST_AFTER_A_CHANGE)}
        # Kept pages and kept threads read nothing (views are written together, every 10 s as
        # in production); a signed-in reader's page reads the user and their votes; the first
        # reader after a change (a vote, or every post rendered again) reads the thread.
        assert question == {
            "anonymous, kept page": 0,
            "anonymous": 0,
            "signed in": 2,
            "signed in, after a vote": 7,
            "signed in, cold": 7,
        }
    # The question page's query count must not grow with its answers.
    for user in (*readers, *FIRST_AFTER_A_CHANGE):
        assert rows[("sqlite", "question", 1, user)][4] == rows[("sqlite", "question", 10, user)][4]
    assert "Forum pages" in rendered and "≤ 8" in rendered and "| sqlite" in rendered

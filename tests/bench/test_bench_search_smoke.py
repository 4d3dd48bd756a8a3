"""The search benchmark in quick mode (1,000 synthetic questions plus cardano when it is there),
so that ``make bench`` cannot rot unnoticed. It checks the tables' shape, never the times."""

import argparse

from bench import bench_search


def test_search_bench_quick_run_prints_build_and_latency_with_targets():
    build, latency = bench_search.run(argparse.Namespace(databases="sqlite", quick=True))

    parts = [row[0] for row in build.rows]
    assert parts[0] == "synthetic, mixed zh/en" and build.rows[0][1] == 1000
    assert "optimize (merge to one segment)" in parts and parts[-1] == "index on disk"
    assert any("docs per CPU second" in note for note in build.notes)

    operations = [row[0] for row in latency.rows]
    assert operations == [
        "search page query (count + page of 20)",
        "similar questions (top 5)",
        "single question update (commit)",
    ]
    for row in latency.rows:
        queries, median_ms, p95_ms = row[1], row[2], row[3]
        assert queries > 0 and 0 < median_ms <= p95_ms
        assert row[-1].count("ok") + row[-1].count("MISSED") >= 1
    rendered = latency.render()
    assert "median ≤ 20, p95 ≤ 150" in rendered and "slowest similar" in rendered


def test_synthetic_questions_are_mixed_and_of_realistic_lengths():
    questions = list(bench_search.synthetic_questions(200))
    chinese = [title for title, *_ in questions if any("\u4e00" <= ch <= "\u9fff" for ch in title)]
    assert 40 <= len(chinese) <= 120
    # Same seed, same corpus: runs are comparable.
    assert questions[:5] == list(bench_search.synthetic_questions(5))

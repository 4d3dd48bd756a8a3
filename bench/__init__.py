"""Wendao's benchmarks: ``python -m bench [NAME ...]`` prints one table per benchmark.

Each module ``bench/bench_<name>.py`` defines ``run(options) -> list[Table]``. Benchmarks build
their own throwaway data (never the site's database) and print measured figures beside targets.
"""

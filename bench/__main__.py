"""Run the benchmarks: ``python -m bench`` (all) or ``python -m bench forum search``.

``--databases sqlite,postgres`` picks the databases for benchmarks that compare them;
``--quick`` shrinks data sizes for a smoke run.
"""

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    available = sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", choices=available + [[]], metavar="NAME", help=f"one of {available}")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args(argv)
    for name in options.names or available:
        module = importlib.import_module(f"bench.bench_{name}")
        for table in module.run(options):
            print(table.render(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

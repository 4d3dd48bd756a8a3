"""Sum gunicorn's per-request CPU log (``WEB_CPU_LOG``, config/gunicorn.conf.py) by kind of request.

``python bench/load/cpu_by_kind.py var/load/cpu.log [SINCE]`` prints, per kind (the load
generator's request names), the requests, their median and mean CPU milliseconds and the share of
all the web workers' CPU: where a load test's time goes. ``SINCE`` (a Unix time) leaves out the
requests before it (the warm-up).
"""

import re
import statistics
import sys
from collections import defaultdict

KINDS = [
    (r"^GET /q/", "page: question"),
    (r"^GET /p/", "page: product"),
    (r"^GET /$", "page: home"),
    (r"^GET /search/", "search"),
    (r"^GET /api/v1/kb/answer", "bot API"),
    (r"^POST /api/v1/posts/\d+/vote/", "vote (API)"),
    (r"^POST /api/v1/questions/\d+/answers/", "answer (API)"),
]


def kind_of(method: str, path: str) -> str:
    line = f"{method} {path}"
    return next((name for pattern, name in KINDS if re.search(pattern, line)), line)


def main(path: str, since: str = "0") -> None:
    spent: dict[str, list[float]] = defaultdict(list)
    with open(path, encoding="utf-8") as log:
        for line in log:
            at, method, url, _status, ms = line.split()
            if float(at) >= float(since):
                spent[kind_of(method, url)].append(float(ms))
    total = sum(sum(values) for values in spent.values()) or 1
    print(f"{'kind':<16} {'requests':>8} {'median ms':>10} {'mean ms':>8} {'CPU s':>7} {'share':>6}")
    for kind, values in sorted(spent.items(), key=lambda item: -sum(item[1])):
        print(
            f"{kind[:16]:<16} {len(values):>8} {statistics.median(values):>10.2f} {statistics.fmean(values):>8.2f}"
            f" {sum(values) / 1000:>7.1f} {sum(values) / total:>6.0%}"
        )


if __name__ == "__main__":
    main(*sys.argv[1:])

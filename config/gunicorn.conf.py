"""gunicorn settings for `make serve`; every value can be overridden from the environment."""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# One worker per core plus one, not gunicorn's usual 2 x cores + 1: most requests are kept pages
# and cached fragments, CPU-bound work, and on our 2-core machine 3 workers served 407 page
# views/s at p95 79 ms where 5 served 382/s at p95 120 ms (docs/benchmarks.md, "Load").
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("WEB_THREADS", 1))
timeout = int(os.environ.get("WEB_TIMEOUT", 30))
# Preload the app so workers share its memory and a broken deploy fails before serving.
preload_app = True
accesslog = os.environ.get("ACCESS_LOG", "-")
# Recycle workers now and then so a slow leak never grows unbounded. Not too often: a fresh worker
# warms up again (jieba's dictionary, the search index, the bot's index, its own fragment copies),
# a second or two of CPU; at 2,000 requests each of 3 workers restarted every 20 s under load.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", 20000))
max_requests_jitter = max_requests // 10

# WEB_CPU_LOG=path: each worker writes one line per request, "<time> <method> <path> <status> <CPU ms>",
# for finding where a load test's CPU goes (bench/load/cpu_by_kind.py sums it). Lines are kept in
# a buffer and written when it fills and when the worker exits: opening the file for each request
# cost more than some requests. Off unless set.
_cpu_log = os.environ.get("WEB_CPU_LOG")
if _cpu_log:
    import time

    _lines = []

    def pre_request(worker, req):
        req._cpu_started = time.process_time()

    def post_request(worker, req, environ, resp):
        spent = (time.process_time() - getattr(req, "_cpu_started", time.process_time())) * 1000
        _lines.append(f"{time.time():.3f} {req.method} {req.path} {resp.status_code} {spent:.2f}\n")
        if len(_lines) >= 1000:
            _write_lines()

    def worker_exit(server, worker):
        _write_lines()

    def _write_lines():
        with open(_cpu_log, "a", encoding="utf-8") as log:
            log.write("".join(_lines))
        _lines.clear()

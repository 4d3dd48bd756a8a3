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
max_requests = 2000  # recycle workers now and then so a slow leak never grows unbounded
max_requests_jitter = 200

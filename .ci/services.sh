#!/usr/bin/env bash
# Start PostgreSQL and Redis when they are not already running (the machine usually starts them
# before a session; CI and fresh machines may not). Fails loudly rather than skip the tests.
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! pg_up; then
  echo "PostgreSQL is not running on 127.0.0.1:5432: starting it"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
if ! redis_up; then
  echo "Redis is not running on 127.0.0.1:6379: starting it"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || \
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 30); do redis_up && break; sleep 1; done
fi
pg_up || { echo "ERROR: PostgreSQL did not start on 127.0.0.1:5432" >&2; exit 1; }
redis_up || { echo "ERROR: Redis did not start on 127.0.0.1:6379" >&2; exit 1; }
echo "PostgreSQL and Redis are up."

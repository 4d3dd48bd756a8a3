#!/usr/bin/env bash
# `make serve`: the production stack on one machine. gunicorn (web), a Celery worker for the
# default queue, a single-process worker for the search queue (Whoosh allows one writer), and
# Celery beat for the nightly jobs; static files served by whitenoise. Ctrl-C stops them all.
#
# Settings come from the environment, then config/production.env if present; what is still
# unset gets local defaults for this machine's PostgreSQL and Redis (plain http on loopback).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

if [ -f config/production.env ]; then
  set -a; . config/production.env; set +a
fi
export DJANGO_DEBUG="${DJANGO_DEBUG:-0}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/wendao}"
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}"
export CACHE_URL="${CACHE_URL:-redis://127.0.0.1:6379/1}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
# Keep database connections between requests (a new PostgreSQL connection costs about 5 ms).
export DB_CONN_MAX_AGE="${DB_CONN_MAX_AGE:-60}"
# Write question views ten seconds' worth at a time, not one UPDATE per page view (forum/view_counts.py).
export WENDAO_VIEW_COUNT_FLUSH_SECONDS="${WENDAO_VIEW_COUNT_FLUSH_SECONDS:-10}"
# Local serving is plain http on loopback; a real deployment sits behind TLS and keeps these on.
export SECURE_SSL_REDIRECT="${SECURE_SSL_REDIRECT:-0}"
if [ -z "${SECRET_KEY:-}" ]; then
  mkdir -p var
  [ -f var/secret_key ] || "$BIN/python" -c "import secrets; print(secrets.token_urlsafe(64))" > var/secret_key
  SECRET_KEY="$(cat var/secret_key)"; export SECRET_KEY
fi

# Create the database on first use when it is the local default.
if [[ "$DATABASE_URL" == postgres://postgres@127.0.0.1:5432/wendao ]]; then
  psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='wendao'" | grep -q 1 \
    || createdb -h 127.0.0.1 -U postgres wendao
fi

"$BIN/python" manage.py migrate --noinput
"$BIN/python" manage.py collectstatic --noinput -v0
"$BIN/python" manage.py seed_demo --once

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait || true; }
trap cleanup EXIT INT TERM

"$BIN/celery" -A config worker -Q default -n "default@%h" --concurrency "${WORKER_CONCURRENCY:-2}" --loglevel INFO &
pids+=($!)
"$BIN/celery" -A config worker -Q search -n "search@%h" --concurrency 1 --loglevel INFO &
pids+=($!)
"$BIN/celery" -A config beat --loglevel INFO &
pids+=($!)
"$BIN/gunicorn" config.wsgi:application -c config/gunicorn.conf.py &
pids+=($!)
echo "Wendao is serving on http://${BIND:-127.0.0.1:8000} (Ctrl-C stops every process)"
wait -n

#!/usr/bin/env bash
# `make bench-load`: start the production stack (config/serve.sh) on loopback against its own
# PostgreSQL database, drive it with locust for LOAD_SECONDS, stop it, check drift with
# `manage.py reconcile`, and write the table into docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.venv/bin
# Each simulated reader waits 50-200 ms between requests, so 60 readers can ask for about 400
# page views/s at the most; in the mix only 8 users in 10 are readers and 1 request in 10 of
# theirs is a search, so the mix needs more users to offer the same page views.
# LOAD_USERS may list several counts ("70 90"): one run each against the same server, so the
# report shows the latency at the target's rate and how it grows past it.
if [ "${LOAD_MIX:-mixed}" = pages ]; then USERS="${LOAD_USERS:-60}"; else USERS="${LOAD_USERS:-70 90}"; fi
SECONDS_="${LOAD_SECONDS:-60}"
export DATABASE_URL="${LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/wendao_load}"
export BIND=127.0.0.1:8765
export ALLOWED_HOSTS=127.0.0.1,localhost
export ACCESS_LOG=/dev/null
# A load generator is one address sending far more than a person: the per-address throttles
# and the daily posting/voting limits would refuse it, so they are off for this run only.
export API_ANON_RATE=1000000/minute KB_BOT_ANON_RATE= WENDAO_LIMITS_ENABLED=0
dbname="${DATABASE_URL##*/}"
psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$dbname'" | grep -q 1 \
  || createdb -h 127.0.0.1 -U postgres "$dbname"

mkdir -p var/load
# Each web worker logs its CPU time per request (config/gunicorn.conf.py); summed by kind below.
export WEB_CPU_LOG="${WEB_CPU_LOG:-$PWD/var/load/cpu.log}"
rm -f "$WEB_CPU_LOG"
bash config/serve.sh > var/load/serve.log 2>&1 &
serve=$!
# TERM, not INT: a background job of a non-interactive shell ignores SIGINT.
trap 'kill -TERM $serve 2>/dev/null; wait $serve 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  curl -fs -o /dev/null "http://$BIND/" && break
  kill -0 $serve 2>/dev/null || { tail -30 var/load/serve.log; exit 1; }
  sleep 1
done
DJANGO_DEBUG=0 SECRET_KEY="$(cat var/secret_key)" "$BIN/python" manage.py shell < bench/load/prepare.py
# Warm-up, not measured: every gunicorn worker loads jieba, the search index and the bot's
# in-process index on its first requests of each kind.
q="$("$BIN/python" -c "import json; print(json.load(open('var/load/targets.json'))['questions'][0])")"
for _ in $(seq 1 4); do
  curls=()
  for path in / "/q/$q/" "/search/?q=router" "/api/v1/kb/answer?q=router"; do
    for _ in $(seq 1 "${WEB_CONCURRENCY:-$(( $(nproc) + 1 ))}"); do
      curl -fs -o /dev/null "http://$BIND$path" &
      curls+=($!)
    done
  done
  wait "${curls[@]}" || true  # only the curls: a bare `wait` would wait for the server too
done
# Every page the readers will ask for once, as a running site has its popular pages kept
# (forum/page_cache.py); not measured either.
"$BIN/python" -c "import json; t = json.load(open('var/load/targets.json')); print('\n'.join(['/'] + ['/p/%s/' % p for p in t['products']] + ['/q/%d/' % q for q in t['questions']]))" \
  | while read -r path; do curl -fs -o /dev/null "http://$BIND$path" || true; done
rm -f var/load/locust_*.csv
started="$(date +%s.%N)"  # the CPU table counts the runs alone, not the warm-up
csvs=()
first=1
for users in $USERS; do
  # Each run starts from the members' votes as they are now: a second run would otherwise start
  # from what its members had voted before the first, and vote twice (refused, rightly, with 400).
  [ "$first" = 1 ] || DJANGO_DEBUG=0 SECRET_KEY="$(cat var/secret_key)" "$BIN/python" manage.py shell < bench/load/prepare.py
  first=0
  locust -f bench/load/locustfile.py --headless --host "http://$BIND" -u "$users" -r "$users" -t "${SECONDS_}s" \
    --csv "var/load/locust_u$users" --only-summary --stop-timeout 5 || true
  csvs+=("$users=var/load/locust_u${users}_stats.csv")
done
kill -TERM $serve 2>/dev/null || true; wait $serve 2>/dev/null || true
trap - EXIT
drift="$(DJANGO_DEBUG=0 SECRET_KEY="$(cat var/secret_key)" "$BIN/python" manage.py reconcile | tail -1)"
echo "$drift"
echo "Web workers' CPU by kind of request (WEB_CPU_LOG):"
"$BIN/python" bench/load/cpu_by_kind.py "$WEB_CPU_LOG" "$started"
settings="Mix: ${LOAD_MIX:-mixed}. ${SECONDS_} s per run on loopback ($(nproc) cores, gunicorn workers: ${WEB_CONCURRENCY:-$(( $(nproc) + 1 ))}); $(date -u +%F)."
# LOAD_REPORT_DOC: where the table goes (a copy, for a trial run that should not touch the docs).
doc="${LOAD_REPORT_DOC:-docs/benchmarks.md}"
"$BIN/python" bench/load/report.py "$drift" "$settings" "$doc" "${csvs[@]}"
sed -n "/bench-load$( [ "${LOAD_MIX:-mixed}" = mixed ] || echo "-$LOAD_MIX" ):start/,/:end/p" "$doc"

# Wendao: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_URL ?= redis://127.0.0.1:6379
HOST ?= 127.0.0.1:8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: serve run test test-sqlite test-postgres services browser bench-load locust lint format bench messages demo migrate clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Wendao needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

## make run: install, migrate, load the demo once, serve http://$(HOST)
run: migrate
	$(BIN)/python manage.py seed_demo --once
	$(BIN)/python manage.py runserver $(HOST)

## make serve: the production stack on this machine (gunicorn, Celery workers and beat, PostgreSQL, Redis)
serve: install services
	bash config/serve.sh

## make test: the whole suite on SQLite, then on PostgreSQL + Redis with a real Celery worker
test: install
	$(BIN)/ruff check .
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite: install browser
	$(BIN)/pytest -q -p no:cacheprovider

test-postgres: install services
	DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(REDIS_URL)/0 CELERY_TASK_ALWAYS_EAGER=1 \
	CACHE_URL=$(REDIS_URL)/1 WENDAO_REQUIRE_SERVICES=1 $(BIN)/pytest -q -p no:cacheprovider

services:
	@bash .ci/services.sh

## make browser: Debian's Chromium (and a Chinese font for its screenshots) for the end-to-end tests (tests/e2e);
## Playwright drives it and never downloads a browser of its own
browser:
	@test -x /usr/bin/chromium -a -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-wqy-microhei; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## make bench: the speed tables (see docs/benchmarks.md)
bench: install services
	$(BIN)/python -m bench

## make bench-load: locust (Debian's python3-locust) against make serve on loopback, page views alone then the
## whole mix; tables in docs/benchmarks.md
bench-load: install services locust
	LOAD_MIX=pages bash bench/load/run.sh
	LOAD_MIX=mixed bash bench/load/run.sh

locust:
	@command -v locust >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3-locust; }

## make messages: refresh the translation catalogues (forum/locale) after changing UI strings
# Run from the top so every app's strings (forum, knowledge, config) land in the one catalogue
# in LOCALE_PATHS; file-only locations keep the diffs small when lines move.
MESSAGES_IGNORE := --ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=docs --ignore=build
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --no-obsolete --add-location=file $(MESSAGES_IGNORE)
	$(BIN)/python manage.py complete_en_catalogue
	cd forum && ../$(BIN)/python ../manage.py compilemessages

clean:
	rm -rf var/test*.sqlite3* .pytest_cache

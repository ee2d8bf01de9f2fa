# Asesor MYPE — the two commands: `make run` (the product with demo data) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_BUSINESSES ?= 2000
DEMO_MONTHS ?= 48
export OMP_NUM_THREADS ?= 1
UNIT_ENV := env -u DATABASE_URL -u CELERY_BROKER_URL -u REDIS_URL ASESOR_DATA_DIR=var/test-unit
INTEGRATION_ENV := DATABASE_URL=$${TEST_DATABASE_URL:-$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/asesor}} REDIS_URL=$${TEST_REDIS_URL:-$${REDIS_URL:-redis://127.0.0.1:6379/0}} CELERY_BROKER_URL= ASESOR_DATA_DIR=var/test-integration

.PHONY: run test test-unit test-integration test-browser browser-deps worker beat venv lint format lock messages clean-demo bench bench-deps system-deps
BROWSER_ENV := env -u DATABASE_URL -u CELERY_BROKER_URL -u REDIS_URL ASESOR_DATA_DIR=var/test-browser

$(STAMP): requirements.lock requirements-dev.lock | system-deps
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock -r requirements-dev.lock
	touch $(STAMP)

venv: $(STAMP)

# Debian libraries the product needs beside its wheels: pango and a font for WeasyPrint (the
# owner's PDF report). Checked on every run (dpkg, instant); installed only when missing.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
system-deps:
	@command -v dpkg >/dev/null || exit 0; \
	missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	[ -z "$$missing" ] && exit 0; \
	echo "Installing Debian packages:" $$missing; \
	sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	$$sudo apt-get update -qq && $$sudo apt-get install -y -qq --no-install-recommends $$missing

# The product on one machine: SQLite, the filesystem broker, a worker beside the web server
# with celery beat embedded (-B: the schedules of the admin's "Periodic tasks"). DEBUG stays off,
# as in production, so the demo shows the product's own 404/403/500 pages (never Django's debug
# pages, which list every URL); only HTTPS is off (plain http://127.0.0.1). Static files are
# collected (hashed, compressed) into the data folder when missing or older than their sources,
# and served by WhiteNoise. Every line it prints comes from manage.py in the project's language
# (LOG_LEVEL=WARNING keeps the operators' English INFO logs out of the way); the server's request
# lines and the worker's shutdown lines are ours too (core/console.py).
#
# Stopping (Ctrl-C, or SIGTERM to make's process group) ends everything within seconds: the
# worker runs in a process group of its own, so the signal reaches only its main process, through
# the trap — a signal to the whole group used to kill its pool processes directly, one of them
# holding the pool's queue lock, and the main process then hung at exit (minutes) waiting for
# it. The trap asks the worker for a warm shutdown, then a cold one after WORKER_STOP_SECONDS (a
# task still running is cancelled: unacknowledged, it is redelivered on the next start; every
# task is idempotent), stops the web server and exits 0. tests/integration/test_make_run_stop.py
# checks it.
WORKER_STOP_SECONDS ?= 2
OWN_PROCESS_GROUP := $(PY) -c 'import os, sys; os.setpgid(0, 0); os.execvp(sys.argv[1], sys.argv[1:])'
run: $(STAMP)
	@set -e; export DJANGO_SECURE=0 ASESOR_ADMIN_2FA=$${ASESOR_ADMIN_2FA:-0} LOG_LEVEL=$${LOG_LEVEL:-WARNING}; \
	export DJANGO_ALLOWED_HOSTS=$${DJANGO_ALLOWED_HOSTS:-localhost,127.0.0.1,$(HOST)}; \
	quiet="ignore:Loky-backed parallel loops:UserWarning,ignore:The least populated class in y:UserWarning,ignore:You're running the worker with superuser privileges"; \
	export PYTHONWARNINGS="$${PYTHONWARNINGS:-$$quiet}"; \
	$(PY) manage.py migrate --noinput -v0; \
	manifest=$${DJANGO_STATIC_ROOT:-$${ASESOR_DATA_DIR:-var}/static}/staticfiles.json; \
	if [ ! -f "$$manifest" ] || [ -n "$$(find static requirements.lock -newer "$$manifest" -print -quit)" ]; then \
		$(PY) manage.py run_notice static; $(PY) manage.py collectstatic --noinput -v0; fi; \
	$(PY) manage.py seed_demo --if-empty --businesses $(DEMO_BUSINESSES) --months $(DEMO_MONTHS); \
	$(PY) manage.py train --kind all --promote --if-missing; \
	$(PY) manage.py refresh_scores --if-empty || $(PY) manage.py run_notice no-scores; \
	worker=; server=; \
	stop() { \
		trap '' INT TERM HUP; \
		[ -z "$$server" ] || kill -TERM $$server 2>/dev/null || true; \
		if [ -n "$$worker" ] && kill -TERM $$worker 2>/dev/null; then \
			for i in $$(seq $$(( $(WORKER_STOP_SECONDS) * 4 ))); do kill -0 $$worker 2>/dev/null || break; sleep 0.25; done; \
			kill -QUIT $$worker 2>/dev/null && for i in $$(seq 40); do kill -0 $$worker 2>/dev/null || break; sleep 0.25; done; \
			kill -KILL -- -$$worker 2>/dev/null || true; \
		fi; \
		wait 2>/dev/null || true; worker=; server=; \
	}; \
	trap stop EXIT; trap 'stop; exit 0' INT TERM HUP; \
	$(OWN_PROCESS_GROUP) $(PY) -m celery -A config --quiet worker -B -l error --concurrency 2 --hostname asesor@%h & worker=$$!; \
	$(PY) manage.py run_notice ready --url http://$(HOST):$(PORT)/ $$([ "$$ASESOR_ADMIN_2FA" = 1 ] && echo --two-factor); \
	$(PY) manage.py run_server --skip-checks $(HOST):$(PORT) & server=$$!; \
	wait $$server

worker: $(STAMP)
	$(PY) -m celery -A config worker -l info

beat: $(STAMP)
	$(PY) -m celery -A config beat -l info

# The layers first (import-linter's contracts in pyproject.toml: a broken layer fails the run),
# then the unit tier (SQLite, the embedded broker), then the integration tier (PostgreSQL, Redis and a
# real Celery worker); each prints its own count. The unit tier includes the API fuzzing:
# schemathesis in-process against /api/v1/schema/ (tests/unit/api/test_schemathesis.py, 25
# derandomised cases per operation and mode, with a partner key and an advisor session; it
# prints the number of cases run).
test: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache
	bash scripts/test-services.sh
	$(UNIT_ENV) $(PY) -m pytest tests/unit -q
	$(INTEGRATION_ENV) $(PY) -m pytest tests/integration -q
	$(MAKE) --no-print-directory test-browser

test-unit: $(STAMP)
	$(UNIT_ENV) $(PY) -m pytest tests/unit -q

test-integration: $(STAMP)
	bash scripts/test-services.sh
	$(INTEGRATION_ENV) $(PY) -m pytest tests/integration -q

# Browser tier: Playwright (pinned in requirements-dev) drives Debian's Chromium against a
# throwaway site it builds itself (SQLite, a small demo, small models, a web server and a real
# worker); see tests/browser/conftest.py. Playwright never downloads a browser here.
test-browser: $(STAMP) browser-deps
	$(BROWSER_ENV) $(PY) -m pytest tests/browser -q

# Debian's chromium package, installed (non-interactively; with sudo when not root) only when
# /usr/bin/chromium is missing.
browser-deps:
	@[ -x /usr/bin/chromium ] && exit 0; \
	echo "Installing Debian's chromium for the browser tests"; \
	sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# What only the benchmarks need: wrk, the HTTP load generator of bench/api.py (Debian's package),
# and the bare Flask app bench/api.py measures the API against (requirements-bench.txt, pinned;
# never in the product's requirements).
bench-deps:
	@$(PY) -c 'import flask' 2>/dev/null || $(PY) -m pip install --quiet -r requirements-bench.txt
	@command -v wrk >/dev/null && exit 0; \
	echo "Installing Debian's wrk for the benchmarks"; \
	sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk

lint: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Translations: extract the strings, then compile (the .mo files are committed as well).
messages: $(STAMP)
	$(PY) manage.py makemessages -l es -l en --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

# Re-resolve the pinned versions after editing requirements*.in.
lock:
	rm -rf /tmp/asesor-lock && $(PYTHON) -m venv /tmp/asesor-lock
	/tmp/asesor-lock/bin/pip install --quiet -r requirements.in
	/tmp/asesor-lock/bin/pip freeze --exclude pip > requirements.lock
	/tmp/asesor-lock/bin/pip install --quiet -r requirements-dev.in
	/tmp/asesor-lock/bin/pip freeze --exclude pip | grep -vxFf requirements.lock > requirements-dev.lock

bench: $(STAMP) bench-deps
	@for b in bench/*.py; do echo "$$b"; $(PY) $$b; done

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

.PHONY: run test test-unit test-integration worker beat venv lint format lock messages clean-demo bench

$(STAMP): requirements.lock requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock -r requirements-dev.lock
	touch $(STAMP)

venv: $(STAMP)

# The product on one machine: SQLite, the filesystem broker, a worker beside the web server.
run: $(STAMP)
	@set -e; export DJANGO_DEBUG=1 DJANGO_SECURE=0; \
	$(PY) manage.py migrate --noinput -v0; \
	$(PY) manage.py seed_demo --if-empty --businesses $(DEMO_BUSINESSES) --months $(DEMO_MONTHS); \
	$(PY) manage.py train --kind all --promote --if-missing; \
	$(PY) -m celery -A portal worker -l warning --concurrency 2 & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	echo ""; echo "Asesor MYPE: http://$(HOST):$(PORT)/"; \
	echo "Demo users (password asesor-demo-2026): asesora.lima, asesor.lima, asesora.arequipa,"; \
	echo "  asesor.norte, asesora.sur, asesor.oriente (advisors); coordinadora.lima, coordinador.sur"; \
	echo "  (supervisors); gestor.datos (steward, /admin/); aliado.gore (partner); admin (superuser)"; \
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: $(STAMP)
	$(PY) -m celery -A portal worker -l info

beat: $(STAMP)
	$(PY) -m celery -A portal beat -l info

# Unit tier (SQLite, the embedded broker), then the integration tier (PostgreSQL, Redis and a
# real Celery worker); each prints its own count. The unit tier includes the API fuzzing:
# schemathesis in-process against /api/v1/schema/ (tests/unit/api/test_schemathesis.py, 25
# derandomised cases per operation and mode, with a partner key and an advisor session; it
# prints the number of cases run).
test: $(STAMP)
	bash scripts/test-services.sh
	$(UNIT_ENV) $(PY) -m pytest tests/unit -q
	$(INTEGRATION_ENV) $(PY) -m pytest tests/integration -q

test-unit: $(STAMP)
	$(UNIT_ENV) $(PY) -m pytest tests/unit -q

test-integration: $(STAMP)
	bash scripts/test-services.sh
	$(INTEGRATION_ENV) $(PY) -m pytest tests/integration -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Translations: extract the strings, then compile (the .mo files are committed as well).
messages: $(STAMP)
	$(PY) manage.py makemessages -l es -l en --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

# Re-resolve the pinned versions after editing requirements*.in.
lock:
	rm -rf /tmp/asesor-lock && $(PYTHON) -m venv /tmp/asesor-lock
	/tmp/asesor-lock/bin/pip install --quiet -r requirements.in
	/tmp/asesor-lock/bin/pip freeze --exclude pip > requirements.lock
	/tmp/asesor-lock/bin/pip install --quiet -r requirements-dev.in
	/tmp/asesor-lock/bin/pip freeze --exclude pip | grep -vxFf requirements.lock > requirements-dev.lock

bench: $(STAMP)
	@for b in bench/*.py; do echo "$$b"; $(PY) $$b; done

# madoguchi — two commands: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/madoguchi
REDIS_TEST_URL ?= redis://127.0.0.1:6379/1
PYTEST_ARGS ?=
AXE := tests_support/node_modules/axe-core/axe.min.js

.PHONY: run run-deps test install system-deps messages lint test-sqlite test-postgres worker clean bench bench-signin bench-signin-floor bench-pages bench-search bench-queue bench-idcheck bench-idcheck-eval bench-mfa bench-abuse bench-staff-gate bench-phone bench-chat beat drill

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $$(scripts/find-python.sh) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

install: $(VENV)/.installed messages $(AXE)

# axe-core for the accessibility test (tests_support/package-lock.json; node_modules is not committed).
# `make run` does not need it: without npm this only warns (the accessibility test then says so).
$(AXE): tests_support/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests_support --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the accessibility test needs axe-core (Debian: apt-get install npm; then make install)" >&2; fi

system-deps:
	scripts/system-deps.sh

messages: $(VENV)/.installed
	$(PY) manage.py compilemessages --ignore=.venv -v0

run-deps:
	scripts/system-deps.sh run

run: run-deps install
	mkdir -p var/outbox
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_demo
	@echo "madoguchi: http://localhost:$(PORT)/  (use localhost, not 127.0.0.1: passkeys need a host name; emails and SMS: var/outbox/)"
	@# one ASGI process: pages and the live chat's WebSocket (docs/decisions/0006-live-chat-channels.md)
	$(VENV)/bin/uvicorn config.asgi:application --host 127.0.0.1 --port $(PORT) --ws websockets-sansio --lifespan off

worker: install
	$(VENV)/bin/celery -A config worker -l info -Q madoguchi

beat: install
	$(VENV)/bin/celery -A config beat -l info

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports
	MADOGUCHI_TESTING=1 $(PY) manage.py makemigrations --check --dry-run -v0

test-sqlite: install
	MADOGUCHI_TESTING=1 $(VENV)/bin/pytest -q $(PYTEST_ARGS)

test-postgres: install
	MADOGUCHI_TESTING=1 DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) CACHE_KEY_PREFIX=madoguchi-test \
		$(VENV)/bin/pytest -q $(PYTEST_ARGS)

test: system-deps install lint
	$(MAKE) test-sqlite
	@if scripts/pg-available.sh; then $(MAKE) test-postgres; \
	elif [ -n "$$CI" ]; then echo "CI needs PostgreSQL and Redis on 127.0.0.1" >&2; exit 1; \
	else echo "PostgreSQL/Redis not reachable: skipped the PostgreSQL pass"; fi

# Benchmarks print numbers (docs/performance.md); each stops by itself and uses only 127.0.0.1.
bench: bench-signin bench-signin-floor bench-pages bench-search bench-queue bench-idcheck bench-mfa bench-abuse bench-staff-gate bench-phone bench-chat
bench-phone: install
	$(PY) benchmarks/pages_phone.py $(BENCH_ARGS)

bench-staff-gate: install
	$(PY) benchmarks/staff_gate.py

# Live chat over uvicorn + the Redis channel layer: latency p50/p95 and conversations sustained.
bench-chat: install
	DATABASE_URL=$${CHAT_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/madoguchi_chat_bench} \
	REDIS_URL=$${CHAT_BENCH_REDIS_URL:-redis://127.0.0.1:6379/8} $(PY) benchmarks/chat.py

bench-signin: install
	$(PY) benchmarks/signin.py --repeat 3
bench-signin-floor: install
	$(PY) benchmarks/signin_floor.py
bench-pages: install
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/madoguchi_wallet_bench REDIS_URL=redis://127.0.0.1:6379/7 \
		$(PY) benchmarks/pages.py
bench-search: install
	$(PY) benchmarks/search.py
bench-queue: install
	$(PY) benchmarks/support_queue.py
bench-idcheck: install
	$(PY) benchmarks/idcheck.py

bench-idcheck-eval: install
	$(PY) benchmarks/idcheck.py --eval
bench-mfa: install
	$(PY) benchmarks/mfa_verify.py
bench-abuse: install
	$(PY) benchmarks/abuse.py

# Multi-node fault drill (docs/operations.md): nginx + 2 gunicorn + Celery worker and beat +
# a private redis-server on :18590; PostgreSQL database <DRILL_DB>_drill, cache in DRILL_REDIS.
DRILL_DB ?= postgres://postgres@127.0.0.1:5432/madoguchi
DRILL_REDIS ?= redis://127.0.0.1:6379/8
drill: install
	scripts/system-deps.sh drill
	DATABASE_URL=$(DRILL_DB) REDIS_URL=$(DRILL_REDIS) $(PY) benchmarks/drill.py $(DRILL_ARGS)

clean:
	rm -rf var staticfiles

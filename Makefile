# Samverkan: `make run` serves the demo (with its task worker), `make test` runs the whole suite. Both are idempotent.
SHELL := /bin/bash
# The distribution's CPython where there is one (Debian's is built with PGO and LTO): a build without
# them, such as pyenv's default, costs the busiest pages 12-18 % more CPU (bench/README.md, ninth
# session). Tests, the demo and production (README.md) run on the same interpreter.
PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint test-sqlite test-postgres test-production venv venv-dev system-test-deps migrate demo clean bench

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed
venv-dev: $(VENV)/.installed-dev

migrate: venv
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_discharge_demo
	$(PY) manage.py seed_meetings_demo
	$(PY) manage.py seed_contact_demo
	$(PY) manage.py seed_forums_demo
	# What the nightly job would have stored: the invoice bases of last month and this month.
	$(PY) manage.py invoice_basis

# The web server and the background task worker (mail), stopped together: scripts/run_demo.sh.
run: demo
	PY=$(PY) HOST=$(HOST) PORT=$(PORT) scripts/run_demo.sh

# Debian's Chromium for the browser tests and PostgreSQL for the second run, when missing.
system-test-deps:
	scripts/install_test_deps.sh

test: venv-dev system-test-deps
	scripts/run_tests.sh
	scripts/production_path.sh

lint: venv-dev
	scripts/run_tests.sh lint

test-sqlite: venv-dev
	scripts/run_tests.sh sqlite

test-postgres: venv-dev system-test-deps
	scripts/run_tests.sh postgres

# README.md's production section, run literally on a fresh clone of HEAD (scripts/production_path.sh).
test-production: system-test-deps
	scripts/production_path.sh

bench: venv-dev system-test-deps
	scripts/run_bench.sh

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles var

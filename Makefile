# Delay Desk — the two commands: `make run` (portal + worker with demo data) and `make test`.
# Needs only Python 3.11+ on the machine; everything else goes into .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .make

.PHONY: run test chromium lint lock migrate seed worker clean help

help:
	@echo "make run   - install, migrate, seed demo data, serve on http://127.0.0.1:8000 with the task worker"
	@echo "make test  - install dev dependencies and run the whole test suite"
	@echo "make lint  - ruff check and the import contracts (lint-imports)"
	@echo "make lock  - recompile requirements/*.txt from pyproject.toml"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMPS)/base: requirements/base.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements/base.txt
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/dev: requirements/dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	@mkdir -p $(STAMPS) && touch $@ $(STAMPS)/base

run: $(STAMPS)/base
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-1} $(BIN)/python scripts/run_dev.py

test: $(STAMPS)/dev chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Debian's Chromium for the browser tests: installed when root with apt-get, else they are skipped.
chromium:
	@bash scripts/ensure_chromium.sh

lint: $(STAMPS)/dev
	$(BIN)/python -m ruff check .
	$(BIN)/lint-imports --no-cache

lock: $(STAMPS)/dev
	$(BIN)/pip-compile --quiet --strip-extras --no-header --no-emit-index-url --no-emit-find-links \
		-o requirements/base.txt pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --no-header --no-emit-index-url --no-emit-find-links \
		--extra dev -o requirements/dev.txt pyproject.toml

clean:
	rm -rf $(VENV) $(STAMPS) db.sqlite3 db.sqlite3-wal db.sqlite3-shm

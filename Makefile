# Entry points for developers and CI. `make test` runs everything CI runs, the same way.
#
#   make demo     set up .venv, then run `microfactory demo`
#   make test     set up, ruff, mypy, pytest on SQLite, pytest on PostgreSQL (throwaway cluster)
#   make lint     ruff + mypy only
#   make bench    benchmarks (BENCH="cflp fjsp vrptw trace" selects)
#   make serve    the HTTP API and dashboard on http://127.0.0.1:8000/ui/ (default database)
#   make clean    remove caches; `make distclean` also removes the venv
#
# Variables: VENV (default .venv), PYTHON (default python3), PYTEST_ARGS (extra pytest arguments).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stamp-install

# Only the directories that exist: benchmarks/ arrives later.
LINT_DIRS := $(wildcard src tests benchmarks)
MYPY_PATHS := src/microfactory $(wildcard tests benchmarks)
PYTEST_FLAGS := -p no:cacheprovider -q
PYTEST_ARGS ?=

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_NO_INPUT := 1
export DEBIAN_FRONTEND := noninteractive

.PHONY: help venv demo test lint ruff mypy test-sqlite test-postgres bench serve clean distclean pg-drop-stale

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

# Run each listed target even when an earlier one fails, so one run (and one CI run) reports all of
# them; the exit status is non-zero when any failed, and the failed ones are named.
define run_all
@failed=(); \
for step in $(1); do \
    $(MAKE) --no-print-directory $$step || failed+=("$$step"); \
done; \
if (( $${#failed[@]} )); then echo "make $@: failed: $${failed[*]}" >&2; exit 1; fi
endef

# --- set-up -----------------------------------------------------------------------------------------

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changes; the install is editable, so source edits need nothing.
# -qq keeps errors but hides the warnings this machine's pip configuration prints for every package.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --quiet -e '.[dev]'
	@touch $@

venv: $(STAMP)

# Debian's Chromium for the dashboard's browser test (tests/web), installed once like PostgreSQL in
# scripts/pg_test_cluster.sh (root or sudo -n, one apt-get at a time via the same lock). Without it
# the browser test is skipped with a reason, so a failed install only warns.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@sudo=(); if [[ $$EUID -ne 0 ]]; then sudo=(sudo -n); fi; \
	"$${sudo[@]}" flock -w 1200 /tmp/microfactory-apt.lock bash -c 'command -v chromium >/dev/null || { \
	    export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && \
	    apt-get install -y -qq --no-install-recommends chromium </dev/null; }' \
	|| echo "warning: could not install chromium; the browser test will be skipped" >&2

# --- entry points -----------------------------------------------------------------------------------

demo: $(STAMP)
	$(BIN)/microfactory demo

ruff: $(STAMP)
	$(BIN)/ruff check $(LINT_DIRS)
	$(BIN)/ruff format --check $(LINT_DIRS)

mypy: $(STAMP)
	$(BIN)/mypy $(MYPY_PATHS)

lint: $(STAMP)
	$(call run_all,ruff mypy)

test-sqlite: $(STAMP) $(CHROMIUM)
	@echo "== pytest on SQLite"
	env -u MICROFACTORY_TEST_DATABASE_URL $(BIN)/pytest $(PYTEST_FLAGS) $(PYTEST_ARGS)

test-postgres: $(STAMP) $(CHROMIUM)
	@echo "== pytest on PostgreSQL"
	bash scripts/pg_test_cluster.sh $(BIN)/pytest $(PYTEST_FLAGS) $(PYTEST_ARGS)

test: $(STAMP)
	$(call run_all,ruff mypy test-sqlite test-postgres)

# Benchmarks read instances from ../shared/bench/ and print a CSV table then a `key=value` summary line.
# `make bench BENCH="cflp vrptw"` runs a subset; BENCH_ARGS are passed to each script. The trace
# benchmark runs on SQLite and on a throwaway PostgreSQL cluster.
BENCH ?= cflp fjsp vrptw trace offcuts inventory api_load forecast
BENCH_ARGS ?=
bench: $(STAMP)
	@for b in $(BENCH); do \
	    if [ -f benchmarks/$$b.py ]; then \
	        echo "== benchmarks/$$b.py" >&2; \
	        if [ $$b = trace ]; then \
	            bash scripts/pg_test_cluster.sh $(BIN)/python -m benchmarks.trace $(BENCH_ARGS) || exit $$?; \
	        else $(BIN)/python -m benchmarks.$$b $(BENCH_ARGS) || exit $$?; fi; \
	    else echo "no benchmarks/$$b.py yet" >&2; fi; \
	done

serve: $(STAMP)
	$(BIN)/microfactory serve

# --- housekeeping -----------------------------------------------------------------------------------

# Remove PostgreSQL test clusters left behind by a run that was killed (their owning process is gone).
pg-drop-stale:
	bash scripts/pg_test_cluster.sh --drop-stale

clean:
	rm -rf .mypy_cache .ruff_cache .pytest_cache .hypothesis build dist test-artifacts
	find $(wildcard src tests benchmarks scripts) -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)

# Two commands: `make run` (Lily with demo data on :8000) and `make test` (the whole suite).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: run test lint bench install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	@echo "Lily web UI: http://localhost:$${LILY_PORT:-8000}  (sign in with the admin credentials below)"
	LILY_DEMO=true $(BIN)/lily serve --port $${LILY_PORT:-8000}

# Starts a throwaway PostgreSQL server itself unless LILY_TEST_DATABASE_URL points at one (one
# per test process). The tests not marked slow run on TEST_WORKERS processes; the slow end-to-end
# ones (a cluster under faults, Spark, the browser) after them, alone, as their timings assume.
TEST_WORKERS ?= 2
test: install-test
	$(BIN)/pytest -q -n $(TEST_WORKERS) -m "not slow"
	$(BIN)/pytest -q -m slow

# ruff, then the layer contracts of pyproject.toml ([tool.importlinter]; docs/architecture.md).
lint: install-test
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/lint-imports

bench: install-test
	$(BIN)/python benchmarks/lineage.py --assets 100000 --edges 200000 --queries 100

clean:
	rm -rf $(VENV) .lily .pytest_cache

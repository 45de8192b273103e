PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# `make test` leaves out the slow end-to-end runs (real processes killed and restarted, minutes
# of traffic, stalled databases); `make test-all` and CI run everything.
PYTEST_ARGS ?= -m "not slow"
# Tests run in three worker processes (pytest-xdist), a test file to a worker: most of a test's
# time is spent waiting on sockets, subprocesses and databases, so three share two cores well.
# `make test XDIST=` runs them in one process.
XDIST ?= -n 3 --dist loadfile

.PHONY: test test-all lint fmt demo bench migration clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

test: lint
	$(BIN)/mypy bot storage
	$(BIN)/pytest -q $(XDIST) $(PYTEST_ARGS)

test-all: PYTEST_ARGS =
test-all: test

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

demo: $(STAMP)
	$(BIN)/warroom demo

bench: $(STAMP)
	@set -e; for script in bench/[!_]*.py; do \
		[ -e "$$script" ] || continue; \
		echo "== $$script"; \
		$(BIN)/python "$$script"; \
	done

migration: $(STAMP)
	@test -n "$(m)" || { echo 'usage: make migration m="what changed"'; exit 2; }
	$(BIN)/python -m storage.migrate revision "$(m)"

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache bench/out
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

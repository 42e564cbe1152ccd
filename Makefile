# The two commands of the README: `make run` and `make test`; and `make <command>` for each
# `python -m bot <command>`, so that none needs the venv activated first.
# Each (re)creates .venv when pyproject.toml changed, then does its job.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

BOT_COMMANDS := console worker web migrate check-config availability purge

.PHONY: run test lint typecheck unit bench clean $(BOT_COMMANDS)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot migrate
	$(BIN)/python -m bot

test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench.availability
	$(BIN)/python -m bench.telegram_throughput
	$(BIN)/python -m bench.outbox
	$(BIN)/python -m bench.understanding

$(BOT_COMMANDS): $(STAMP)
	$(BIN)/python -m bot $@

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

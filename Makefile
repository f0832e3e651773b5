# One command per job. `make demo` and `make check` are the README's quick start.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

$(BIN)/clientbase: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# an editable install leaves our modules uncompiled, and where PYTHONDONTWRITEBYTECODE is
	# set every command compiled them again (~0.1 s per run): compile them once here
	$(BIN)/python -m compileall -q sync validators >/dev/null
	touch $@

.PHONY: setup demo check lint types test bench
setup: $(BIN)/clientbase

demo: setup
	$(BIN)/clientbase demo --replace

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: setup
	$(BIN)/mypy

test: setup
	$(BIN)/pytest

# Every check: format, lint, types, tests.
check: lint types test

bench: setup
	$(BIN)/python bench/check_speed.py
	$(BIN)/python bench/sync_speed.py
	$(BIN)/python bench/dedupe_febrl.py
	$(BIN)/python bench/gsheets_pass.py

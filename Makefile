# Targets used by people and by CI (.ci/run calls `make ci`).
VENV ?= .venv
PY := $(VENV)/bin/python
SOPMINE := $(VENV)/bin/sopmine

.PHONY: setup demo test lint ci bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

demo: setup
	$(SOPMINE) demo

test: setup
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check pipeline tests benchmarks
	$(VENV)/bin/mypy

ci: lint test

bench: setup
	$(PY) benchmarks/ingest.py
	$(PY) benchmarks/calendar.py

clean:
	rm -rf $(VENV) data/warehouse.duckdb* reports/demo

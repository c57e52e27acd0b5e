# The two commands: `make run` (zero setup demo) and `make test` (the whole suite).
# Everything installs into this folder: uv into .tools/, the project into .venv/ from uv.lock.

PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
RUN := $(UV) run --locked --no-sync

.PHONY: install run test lint format bench faults clean

$(UV):
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is required"'
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked
	touch $@

install: .venv/.installed

run: install
	$(RUN) committee dev

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy service workers

test: lint
	$(RUN) pytest

# The fault-injection suite on private servers it starts (minutes; see bench/faults.py).
# FAULTS_ARGS picks scenarios, e.g. FAULTS_ARGS='--scenario redis-killed --n 50'.
faults: install
	$(RUN) python -m bench.faults $(FAULTS_ARGS)

format: install
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

clean:
	rm -rf .venv .tools var

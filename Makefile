# The two commands: `make run` (zero setup demo) and `make test` (the whole suite).
# Everything installs into this folder: uv into .tools/, the project into .venv/ from uv.lock.

PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
RUN := $(UV) run --locked --no-sync
# `make run HOST=0.0.0.0 PORT=8080`: where the demo API listens.
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format bench clean

$(UV):
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is required"'
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.installed: pyproject.toml uv.lock Makefile | $(UV)
	# Compiled once here: each process then starts in seconds, even where the environment
	# forbids writing bytecode caches (PYTHONDONTWRITEBYTECODE).
	$(UV) sync --locked --compile-bytecode
	touch $@

install: .venv/.installed

run: install
	@$(RUN) python -m compileall -q service workers
	$(RUN) committee dev --host $(HOST) --port $(PORT)

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy service workers

test: lint
	$(RUN) pytest

format: install
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

clean:
	rm -rf .venv .tools var

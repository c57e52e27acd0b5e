# The two commands: `make run` (zero setup demo) and `make test` (the whole suite).
# Everything installs into this folder: uv into .tools/, the project into .venv/ from uv.lock.

PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
RUN := $(UV) run --locked --no-sync
# `make run HOST=0.0.0.0 PORT=8080`: where the demo API listens.
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format bench faults clean browser messages

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

# The browser tests drive Debian's Chromium (Playwright's own download cannot work here), with
# CJK fonts so the Chinese pages render in screenshots. The dossier's PDF (WeasyPrint) loads
# pango and HarfBuzz's subsetter at run time, and writes Latin and Cyrillic in DejaVu.
BROWSER_PACKAGES := chromium fonts-noto-cjk libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core

browser:
	@dpkg -s $(BROWSER_PACKAGES) >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y $(BROWSER_PACKAGES); \
		else echo "The browser tests need Chromium: run 'sudo apt-get update && sudo apt-get install -y $(BROWSER_PACKAGES)'"; fi; }

test: lint browser
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

# The page catalogues: extract every marked string, then merge it into each language's .po.
# Translate the new entries (empty msgstr) by hand; tests/web/test_catalogues.py fails until then.
LOCALE := service/web/locale
PAGE_LANGUAGES := zh_Hans ru

messages: install
	$(RUN) pybabel extract -F service/web/babel.cfg -k N_ -k gettext:2 --no-location \
		--sort-output --omit-header -o $(LOCALE)/messages.pot .
	for lang in $(PAGE_LANGUAGES); do \
		if [ -f $(LOCALE)/$$lang/LC_MESSAGES/messages.po ]; then \
			$(RUN) pybabel update --no-fuzzy-matching -i $(LOCALE)/messages.pot -d $(LOCALE) -l $$lang; \
		else \
			$(RUN) pybabel init -i $(LOCALE)/messages.pot -d $(LOCALE) -l $$lang; \
		fi; \
	done
	$(RUN) pybabel compile --statistics -d $(LOCALE) -o /dev/null -l zh_Hans -i $(LOCALE)/zh_Hans/LC_MESSAGES/messages.po
	$(RUN) pybabel compile --statistics -d $(LOCALE) -o /dev/null -l ru -i $(LOCALE)/ru/LC_MESSAGES/messages.po

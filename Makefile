# MPR: `make run` serves the embedded default; `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# `make run` honours MPR_HOST, MPR_PORT, MPR_DATA_DIR (and every other MPR_*) from the
# environment; their defaults live in src/mpr/settings.py.

.PHONY: run test setup system browser lint typecheck imports unit integration bench clean

run: setup system
	$(BIN)/mpr serve

test: setup system browser
	$(MAKE) --no-print-directory lint typecheck imports unit integration

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "MPR needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

system:
	@scripts/ensure-system-packages.sh ffmpeg=ffmpeg ffprobe=ffmpeg

browser:  # Debian's chromium for the UI tests (Playwright drives it; no browser download)
	@scripts/ensure-system-packages.sh chromium=chromium

lint:
	$(BIN)/ruff check src tests bench

typecheck:
	$(BIN)/mypy

imports:
	$(BIN)/lint-imports

unit:
	$(BIN)/pytest tests/unit -q

integration:
	$(BIN)/pytest tests/integration -q

bench: setup system
	$(BIN)/python bench/overhead.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .import_linter_cache src/*.egg-info

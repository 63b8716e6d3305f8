# MPR: `make run` serves the embedded default; `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Two installs: `make run` needs only the package (RUN_STAMP); `make test` adds the dev extra's
# test tools (DEV_STAMP, which also satisfies RUN_STAMP).
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
# `make run` honours MPR_HOST, MPR_PORT, MPR_DATA_DIR (and every other MPR_*) from the
# environment; their defaults live in src/mpr/settings.py.

.PHONY: run test setup setup-run system browser stack-tools js deploy-js lint stack-lint deploy-lint \
	typecheck imports unit integration bench clean

run: setup-run system
	$(BIN)/mpr serve

test: setup system browser stack-tools js deploy-js
	$(MAKE) --no-print-directory lint stack-lint deploy-lint typecheck imports unit integration

setup: $(DEV_STAMP)  # the package and the test tools

setup-run: $(RUN_STAMP)  # the package and what running it needs, nothing more

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "MPR needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(RUN_STAMP)

system:
	@scripts/ensure-system-packages.sh ffmpeg=ffmpeg ffprobe=ffmpeg

browser:  # Debian's chromium for the UI tests (Playwright drives it; no browser download)
	@scripts/ensure-system-packages.sh chromium=chromium

stack-tools: tests/deploy/node_modules/.package-lock.json  # deploy/'s checks and stack test
	@scripts/ensure-system-packages.sh nginx=nginx envsubst=gettext-base

tests/deploy/node_modules/.package-lock.json: tests/deploy/package.json tests/deploy/package-lock.json
	npm ci --prefix tests/deploy --no-audit --no-fund --loglevel=error

js: tests/js/node_modules/.package-lock.json  # npm packages the tests run (graphql-http's audit)

tests/js/node_modules/.package-lock.json: tests/js/package.json tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund --loglevel=error

lint:
	$(BIN)/ruff check src tests bench

stack-lint: setup stack-tools  # nginx -t on the rendered template, hadolint, the compose file's schema (dclint)
	scripts/lint-deploy.sh $(BIN)/hadolint tests/deploy/node_modules/.bin/dclint

deploy-js: deploy/aws/node_modules/.package-lock.json  # asl-validator, for deploy-lint

deploy/aws/node_modules/.package-lock.json: deploy/aws/package.json deploy/aws/package-lock.json
	npm ci --prefix deploy/aws --no-audit --no-fund --loglevel=error

deploy-lint: setup deploy-js  # the AWS deployment files: state machine, template (stack-lint: Dockerfiles)
	deploy/aws/node_modules/.bin/asl-validator --json-path deploy/aws/statemachine.asl.json
	$(BIN)/cfn-lint deploy/aws/template.yaml

typecheck:
	$(BIN)/mypy

imports:
	$(BIN)/lint-imports

unit:
	$(BIN)/pytest tests/unit -q

# Three test files at a time (they mostly wait on servers, encoders and browsers), then, alone,
# the tests that time the server (marked serial in tests/integration/conftest.py).
integration:
	$(BIN)/pytest tests/integration -q -m "not serial" -n 3 --dist loadfile --durations=15; \
	parallel=$$?; \
	$(BIN)/pytest tests/integration -q -m serial --durations=5; \
	serial=$$?; \
	exit $$(( parallel || serial ))

bench: setup system
	$(BIN)/python bench/overhead.py

clean:
	rm -rf tests/js/node_modules tests/deploy/node_modules deploy/aws/node_modules $(VENV) .mypy_cache \
		.ruff_cache .pytest_cache .import_linter_cache src/*.egg-info

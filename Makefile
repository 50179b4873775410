# omnishop — the two set-up commands are `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint format messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## make demo: install, migrate an SQLite shop under ./var, seed it and serve it on :8000
demo: $(STAMP)
	mkdir -p var
	$(BIN)/omnishop migrate
	$(BIN)/omnishop seed
	$(BIN)/omnishop serve --host 127.0.0.1 --port 8000

## make test: the whole suite, on SQLite and PostgreSQL, and the browser tests in Chromium
test: $(STAMP) /usr/bin/chromium
	$(BIN)/pytest

# The browser tests drive Debian's Chromium (Playwright's own browser download does not work
# here); CI runs as root, elsewhere sudo asks.
/usr/bin/chromium:
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y --no-install-recommends chromium chromium-driver

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## make check: lint, types, import contracts, then the tests
check: lint test

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make messages: re-extract UI strings and update the ru, en, ka catalogs
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --project omnishop -o src/omnishop/locale/messages.pot src/omnishop
	$(BIN)/pybabel update -i src/omnishop/locale/messages.pot -d src/omnishop/locale --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

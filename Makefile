# Kinframe: `make run` serves the demo, `make test` runs the suite. Both install what they need.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export UV_NO_PROGRESS := 1
PYTEST_WORKERS ?= 2

.PHONY: install run test test-fast test-e2e lint format messages bench bench-workers bench-review bench-flags bench-load browser gettext clean

$(BIN)/uv:
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(BIN)/uv
	$(BIN)/uv sync --frozen --quiet
	@touch $@

install: $(VENV)/.installed

# The demo runs in DEBUG with the console's second factor off, so the printed logins work at once.
RUN_ENV := DEBUG=1 CONSOLE_REQUIRE_MFA=0

run: install
	$(RUN_ENV) $(BIN)/kinframe migrate --noinput
	$(RUN_ENV) $(BIN)/kinframe demo
	@echo "Serving on http://127.0.0.1:8000 (Ctrl-C to stop)"
	$(RUN_ENV) $(BIN)/kinframe serve

# Debian's Chromium for the browser tests, installed through apt where we are root and it is missing.
browser:
	@bash scripts/ensure-chromium.sh

# GNU gettext for `make messages` and the test that finds strings missing from the catalogs.
gettext:
	@bash scripts/ensure-gettext.sh

test: install browser gettext
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

test-fast: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup -m "not e2e and not slow"

test-e2e: install browser
	$(BIN)/pytest -m e2e

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/kinframe makemigrations --check --dry-run
	DEBUG=1 $(BIN)/kinframe check
	DEBUG=1 $(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# Gather every marked string into the catalogs (src/kinframe/locale/*/LC_MESSAGES/django.po) and
# compile them; the compiled .mo files are committed, so running the site needs no gettext.
MESSAGES_LOCALES := $(notdir $(wildcard src/kinframe/locale/*))
messages: install gettext
	cd src/kinframe && DEBUG=1 ../../$(BIN)/django-admin makemessages --settings=kinframe.settings \
		$(addprefix -l ,$(MESSAGES_LOCALES)) -i "migrations/*" -i "static/*" --add-location file --no-obsolete
	cd src/kinframe && DEBUG=1 ../../$(BIN)/django-admin compilemessages --settings=kinframe.settings

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/imaging.py

# The task worker: a batch of 12 MP photos through 1 vs 2 worker processes (see bench/README.md).
bench-workers: install
	$(BIN)/python bench/workers.py

# The review queue at 100,000 waiting vs 100 (PostgreSQL from DATABASE_URL, else SQLite).
bench-review: install
	$(BIN)/python bench/review.py

# The near-duplicate lookup at 1,000 and 1,000,000 hashes needs PostgreSQL (DATABASE_URL);
# the text detector's precision and recall need nothing else.
bench-flags: install
	$(BIN)/python bench/flags.py

# Page speed at a year's data beside a day's, on PostgreSQL (BENCH_PG, BENCH_DB_PREFIX): a quick run
# seeds a tenth of the issue's volume; BENCH_LOAD_ARGS="--volume 1" seeds all of it.
bench-load: install
	$(BIN)/python bench/load.py $(BENCH_LOAD_ARGS)

clean:
	rm -rf $(VENV) var artifacts

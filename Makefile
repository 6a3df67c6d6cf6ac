# The two commands: `make run` and `make test`. Everything else is a step they use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Development defaults; a real deployment sets its own environment (README, "Configuration").
export DEBUG ?= 1
export PYTHONDONTWRITEBYTECODE := 1
# Production and `make run` install the runtime lock alone (docs/deployment.md);
# `make test` and the other development targets add the development lock.
RUNTIME_LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock


.PHONY: run test test-clock bootstrap dev check-locks lint format bench e2e messages clean loadtest

# The demo's printed logins work at once; a deployment keeps the default (on).
run: export TWO_FACTOR_REQUIRED ?= 0
run: bootstrap
	$(PY) manage.py seed_demo
	$(PY) manage.py install_schedules
	$(PY) manage.py runall

# The suite runs on every core (pytest-xdist): one database per worker.
test: bootstrap check-locks lint
	$(BIN)/pytest -n auto

# The non-browser suite with the clock moved to each instant of tests/clock.py.
test-clock: bootstrap dev
	$(PY) scripts/test_clock.py

bootstrap: $(VENV)/.installed node_modules/.installed
	mkdir -p var
	$(PY) scripts/vendor_static.py
	$(PY) scripts/compile_messages.py
	$(PY) manage.py migrate --no-input

# Reinstall whenever a lock changes: the runtime lock alone here...
$(VENV)/.installed: $(RUNTIME_LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r $(RUNTIME_LOCK)
	touch $@

# ...and the test and development tools on top, resolved with it (remade
# after the runtime lock changes too, since it depends on its stamp).
$(VENV)/.installed-dev: $(VENV)/.installed $(DEV_LOCK)
	$(PY) -m pip install --quiet -r $(RUNTIME_LOCK) -r $(DEV_LOCK)
	touch $@

dev: $(VENV)/.installed-dev

# Every lock pinned with ==, no test tool in the runtime lock, pyproject.toml
# agreeing with both (scripts/check_locks.py; also run by .ci/run).
check-locks: $(VENV)/.installed-dev
	$(PY) scripts/check_locks.py

# Front-end libraries, pinned in package-lock.json, copied into static/vendor/.
node_modules/.installed: package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the front-end libraries: apt-get install npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# ruff, the import contracts of pyproject.toml's [tool.importlinter], and mypy
# on the engine, every services.py and selectors.py ([tool.mypy]).
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DEBUG=1 SECRET_KEY=mypy-only $(BIN)/mypy

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Benchmarks: speed and memory targets live here, never in timed tests.
bench: bootstrap
	$(PY) tests/bench/run.py

# Load test, not in CI: 50 citizens for 60 s against gunicorn on the local
# PostgreSQL and Redis (scripts/loadtest.py). locust is installed here only.
# The opening-day rush: make loadtest USERS=200 (also DURATION=, in seconds).
# locust and its dependencies are pinned apart, in requirements-loadtest.lock,
# on top of the development lock (locust needs pytest, requests, Werkzeug…).
loadtest: bootstrap dev
	$(PY) -m pip install --quiet -r requirements-loadtest.lock
	$(PY) scripts/loadtest.py $(if $(USERS),--users $(USERS)) $(if $(DURATION),--duration $(DURATION))

# Extract new strings into the .po files (needs GNU gettext), then compile them.
messages: $(VENV)/.installed
	$(PY) manage.py makemessages --all --ignore=.venv --ignore=node_modules --ignore=var
	$(PY) scripts/compile_messages.py

clean:
	rm -rf $(VENV) node_modules static/vendor

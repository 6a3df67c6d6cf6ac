# The two commands: `make run` and `make test`. Everything else is a step they use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Development defaults; a real deployment sets its own environment (README, "Configuration").
export DEBUG ?= 1
export PYTHONDONTWRITEBYTECODE := 1


.PHONY: run test test-clock bootstrap lint format bench e2e messages clean loadtest

run: bootstrap
	$(PY) manage.py seed_demo
	$(PY) manage.py install_schedules
	$(PY) manage.py runall

test: bootstrap lint
	$(BIN)/pytest

# The non-browser suite with the clock moved to each instant of tests/clock.py.
test-clock: bootstrap
	$(PY) scripts/test_clock.py

bootstrap: $(VENV)/.installed node_modules/.installed
	mkdir -p var
	$(PY) scripts/vendor_static.py
	$(PY) scripts/compile_messages.py
	$(PY) manage.py migrate --no-input

# Recreate the environment whenever the lock changes.
$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

# Front-end libraries, pinned in package-lock.json, copied into static/vendor/.
node_modules/.installed: package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the front-end libraries: apt-get install npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Benchmarks: speed and memory targets live here, never in timed tests.
bench: bootstrap
	$(PY) tests/bench/run.py

# Load test, not in CI: 50 citizens for 60 s against gunicorn on the local
# PostgreSQL and Redis (scripts/loadtest.py). locust is installed here only.
# locust and its dependencies are pinned apart, in requirements-loadtest.lock.
loadtest: bootstrap
	$(PY) -m pip install --quiet -r requirements-loadtest.lock
	$(PY) scripts/loadtest.py

# Extract new strings into the .po files (needs GNU gettext), then compile them.
messages: $(VENV)/.installed
	$(PY) manage.py makemessages --all --ignore=.venv --ignore=node_modules --ignore=var
	$(PY) scripts/compile_messages.py

clean:
	rm -rf $(VENV) node_modules static/vendor

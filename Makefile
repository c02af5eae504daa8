# The portal's two commands: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
ADDR ?= 127.0.0.1:8000

.PHONY: install run test bench lint mutate vendor clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed (the portal runs on Python 3.11)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

run: export DEBUG ?= 1
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_staff
	@echo "Patient intake:  http://$(ADDR)/"
	@echo "Staff console:   http://$(ADDR)/admin/"
	@echo "Emails are written to var/mail/ unless EMAIL_HOST is set."
	@trap 'trap - INT TERM; kill 0' INT TERM; \
	$(BIN)/celery -A portal worker --loglevel=INFO --concurrency=2 & \
	$(BIN)/celery -A portal beat --loglevel=INFO & \
	$(PY) manage.py runserver --noreload $(ADDR) & \
	wait

test: install
	$(BIN)/pytest

bench: install
	$(PY) manage.py bench_routes

lint: install
	$(BIN)/ruff check .

# Mutation testing of the modules listed under [tool.mutmut] in pyproject.toml
# (see README.md). Slow and not part of `make test` or CI: run it by hand.
MUTATE_JOBS ?= 2
mutate: install
	rm -rf mutants
	nice $(BIN)/mutmut run --max-children $(MUTATE_JOBS)
	$(PY) -m tests.mutation_report

# Refresh the vendored Bootstrap files from the npm registry (not needed to run).
vendor:
	cd /tmp && npm pack bootstrap@5 && tar xzf bootstrap-5*.tgz
	cp /tmp/package/dist/css/bootstrap.min.css /tmp/package/dist/js/bootstrap.bundle.min.js static/vendor/bootstrap/

clean:
	rm -rf $(VENV) var staticfiles mutants

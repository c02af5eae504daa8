# The portal's two commands: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
ADDR ?= 127.0.0.1:8000

.PHONY: install run test bench load lint mutate vendor clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed (the portal runs on Python 3.11)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

# Web, worker and beat under one supervisor (portal/run.py): Ctrl-C stops all three,
# and the demo login and the addresses come last, once everything is up.
run: export DEBUG ?= 1
run: install
	$(PY) manage.py migrate --noinput
	@$(PY) -m portal.run $(ADDR)

test: install
	$(BIN)/pytest

# Both start their own gunicorn on loopback against a database they create and drop
# (next to DATABASE_URL's, or SQLite in a temporary folder) and a Celery queue of
# their own on CELERY_BROKER_URL. The key signs only that run's sessions.
bench load: export SECRET_KEY ?= bench-and-load-only-key-not-for-production-0123456789

# One line per measure, each against its baseline in the same run (see README.md).
# One line per measure; the reminder drain makes its own database, SMTP server and worker.
bench: install
	$(PY) manage.py bench
	$(PY) manage.py bench_drain

# 50 patients sending intakes at once for 30 s, then a check that each was saved once.
load: install
	$(PY) manage.py load_intakes --patients 50 --seconds 30

lint: install
	$(BIN)/ruff check .

# Mutation testing of the modules listed under [tool.mutmut] in pyproject.toml
# (see README.md). Slow and not part of `make test` or CI: run it by hand.
MUTATE_JOBS ?= 2
mutate: install
	rm -rf mutants
	nice $(BIN)/mutmut run --max-children $(MUTATE_JOBS)
	$(PY) -m tests.mutation_report

# Refresh the vendored Bootstrap files from the npm registry (not needed to run). The
# files are copied unchanged, with the source maps they name: the production
# static storage refuses a file that references a missing one.
BOOTSTRAP_VERSION ?= 5.3.8
vendor:
	rm -rf /tmp/portal-vendor && mkdir -p /tmp/portal-vendor
	cd /tmp/portal-vendor && npm pack --silent bootstrap@$(BOOTSTRAP_VERSION) && tar xzf bootstrap-*.tgz
	cd /tmp/portal-vendor/package && cp LICENSE dist/css/bootstrap.min.css dist/css/bootstrap.min.css.map \
	  dist/js/bootstrap.bundle.min.js dist/js/bootstrap.bundle.min.js.map $(CURDIR)/static/vendor/bootstrap/
	rm -rf /tmp/portal-vendor

clean:
	rm -rf $(VENV) var staticfiles mutants

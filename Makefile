# The commands the README documents. `make run` needs nothing but Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The development server needs DEBUG; production sets its own environment (docker-compose.yml).
DEV_ENV := DEBUG=$${DEBUG:-1}
# `make bench` works in a database of its own, never in DATABASE_URL's (a developer's data).
BENCH_DB ?= clusterplatform_bench
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/$(BENCH_DB)
BENCH_ORGS ?= 100000
BENCH_ENV := DEBUG=0 DATABASE_URL=$(BENCH_DATABASE_URL)
# The incremental suggestions target is stated at 10,000 organisations: a set of its own.
BENCH_UPDATES_DB ?= $(BENCH_DB)_10k
BENCH_UPDATES_ENV := DEBUG=0 DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_UPDATES_DB)

.PHONY: help venv install run migrate demo test lint format worker beat schema check-deploy clean bench

help:
	@echo "make run     - install, migrate, load demo data, serve on http://127.0.0.1:$(PORT)"
	@echo "make test    - the whole test suite (plus lint and migration checks)"
	@echo "make worker  - a Celery worker (needs REDIS_URL)"
	@echo "make beat    - the Celery beat scheduler (needs REDIS_URL)"
	@echo "make bench   - search latency on 100,000 synthetic organisations (PostgreSQL, own database),"
	@echo "               then partner suggestions: speed at 10,000/100,000 and quality (bench_suggestions),"
	@echo "               seconds from a profile save to fresh suggestions at 10,000 (own database),"
	@echo "               the meeting scheduler against its upper bound (bench_scheduler),"
	@echo "               and CSV/XLSX exports of the 100,000 organisations: time, peak RSS (bench_exports)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade --quiet pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

venv install: $(VENV)/.installed

migrate: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input

demo: migrate
	$(DEV_ENV) $(BIN)/python manage.py demo_data
	$(DEV_ENV) $(BIN)/python manage.py recompute_suggestions

run: demo
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

worker: install
	$(BIN)/celery -A clusterplatform worker --loglevel=INFO

beat: install
	$(BIN)/celery -A clusterplatform beat --loglevel=INFO

schema: install
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file docs/openapi.yml

check-deploy: install
	DEBUG=0 HTTPS=1 SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))") \
	  ALLOWED_HOSTS=clusters.example.org $(BIN)/python manage.py check --deploy --fail-level WARNING

# JSON on stdout, progress on stderr: make -s bench > bench.json; BENCH_ARGS="--repeat 10".
bench: install
	@createdb -h 127.0.0.1 -U postgres $(BENCH_DB) 2>/dev/null || true
	@$(BENCH_ENV) $(BIN)/python manage.py migrate --no-input --verbosity 0
	@$(BENCH_ENV) $(BIN)/python manage.py bench_search --orgs $(BENCH_ORGS) $(BENCH_ARGS)
	@$(BENCH_ENV) $(BIN)/python manage.py bench_suggestions $(BENCH_SUGGESTIONS_ARGS)
	@createdb -h 127.0.0.1 -U postgres $(BENCH_UPDATES_DB) 2>/dev/null || true
	@$(BENCH_UPDATES_ENV) $(BIN)/python manage.py migrate --no-input --verbosity 0
	@$(BENCH_UPDATES_ENV) $(BIN)/python manage.py bench_suggestion_updates --orgs 10000
	@$(BENCH_ENV) $(BIN)/python manage.py bench_scheduler $(BENCH_SCHEDULER_ARGS)
	@$(BENCH_ENV) $(BIN)/python manage.py bench_exports --rows $(BENCH_ORGS) $(BENCH_EXPORTS_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache

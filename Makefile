# Two commands on a fresh machine:
#   make demo   virtualenv, install, migrate SQLite, seed a synthetic shop, import history, train, serve on :8000
#   make test   the test suites (SQLite and eager Celery locally; .ci/run adds PostgreSQL, Redis and a worker)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SEED ?= 42
DB := db.sqlite3
HOST ?= 127.0.0.1:8000
KINDS := recommendations sentiment pricing

.DELETE_ON_ERROR:
.PHONY: demo serve test test-core test-demo lint bench-clean demo-reset install install-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the lock files change.
$(VENV)/.installed-base: requirements/base.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements/dev.txt $(VENV)/.installed-base
	$(BIN)/pip install --quiet -r requirements/dev.txt
	touch $@

install: $(VENV)/.installed-base
install-dev: $(VENV)/.installed-dev

# The demo database is built once; `make demo-reset` starts over.
$(DB): | $(VENV)/.installed-base
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo_seed --seed $(SEED)
	$(BIN)/python manage.py ai_commerce_import_history
	$(BIN)/python manage.py ai_commerce_setup_schedules
	for kind in $(KINDS); do $(BIN)/python manage.py ai_commerce_train $$kind || exit 1; done
	$(BIN)/python manage.py ai_commerce_score_reviews

demo: $(VENV)/.installed-base $(DB)
	$(BIN)/python manage.py migrate --noinput
	@echo "Demo shop: http://$(HOST)/  admin: http://$(HOST)/admin/ (admin / admin)"
	$(BIN)/python manage.py runserver $(HOST)

demo-reset:
	rm -f $(DB)

test: test-core test-demo

test-core: $(VENV)/.installed-dev
	$(BIN)/pytest

test-demo: $(VENV)/.installed-dev
	$(BIN)/pytest --ds=tests.demo_settings

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check ai_commerce demo_shop tests

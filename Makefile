# Two commands on a fresh machine:
#   make demo   virtualenv, install, migrate SQLite, seed a synthetic shop, import history, train, serve on :8000
#   make test   the test suites (SQLite and eager Celery locally; .ci/run adds PostgreSQL, Redis and a worker)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SEED ?= 42
DB := db.sqlite3
HOST ?= 127.0.0.1:8000
KINDS := recommendations sentiment pricing forecast

.DELETE_ON_ERROR:
.PHONY: bench demo serve test test-core test-demo test-oscar lint demo-reset install install-train install-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the lock files change.
$(VENV)/.installed-base: requirements/base.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# The training stack (TensorFlow, TFRS): what a Celery worker that trains recommendations needs. The demo trains in
# its own process, and the tests train tiny models, so both install it.
$(VENV)/.installed-train: requirements/train.txt $(VENV)/.installed-base
	$(BIN)/pip install --quiet -r requirements/train.txt
	touch $@

$(VENV)/.installed-dev: requirements/dev.txt requirements/oscar.txt $(VENV)/.installed-train
	$(BIN)/pip install --quiet -r requirements/dev.txt
	touch $@

install: $(VENV)/.installed-base
install-train: $(VENV)/.installed-train
install-dev: $(VENV)/.installed-dev

# The demo database is built once; `make demo-reset` starts over.
$(DB): | $(VENV)/.installed-train
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo_seed --seed $(SEED)
	$(BIN)/python manage.py ai_commerce_import_history
	$(BIN)/python manage.py ai_commerce_setup_schedules
	for kind in $(KINDS); do $(BIN)/python manage.py ai_commerce_train $$kind || exit 1; done
	$(BIN)/python manage.py ai_commerce_score_reviews

demo: $(VENV)/.installed-train $(DB)
	$(BIN)/python manage.py migrate --noinput
	@echo "Demo shop: http://$(HOST)/  admin: http://$(HOST)/admin/ (admin / admin)"
	$(BIN)/python manage.py runserver $(HOST)

demo-reset:
	rm -rf $(DB) $(DB)-wal $(DB)-shm media/ai_commerce

test: test-core test-demo test-oscar

# The layering contracts of pyproject.toml first (the core imports no capability, web modules no training code),
# then the package's suites (tests/core and one folder per capability) on the althost shop.
test-core: $(VENV)/.installed-dev
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest

test-demo: $(VENV)/.installed-dev
	$(BIN)/pytest --ds=tests.demo_settings

# A real django-oscar shop (tests/oscar_settings.py) with ai_commerce added by its one-line preset.
test-oscar: $(VENV)/.installed-dev
	$(BIN)/pytest --ds=tests.oscar_settings

# Benchmarks (figures in docs/benchmarks.md); they read ../shared/data in place.
bench: $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -r requirements/bench.txt
	$(BIN)/python bench/sentiment.py --out bench/sentiment.json
	$(BIN)/python bench/pricing.py --out bench/pricing.json
	$(BIN)/python bench/recommendations.py --out bench/recommendations.json
	$(BIN)/python bench/experiments.py --out bench/experiments.json
	$(BIN)/python bench/web.py --out bench/web.json  # PostgreSQL on 127.0.0.1 (or --db sqlite)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check ai_commerce demo_shop tests

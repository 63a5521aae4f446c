# Two commands on a fresh machine:
#   make demo   virtualenv, install, migrate SQLite, seed a synthetic shop, import history, train, serve on :8000
#   make test   ruff, the test suites with coverage (SQLite and eager Celery locally; .ci/run adds PostgreSQL, Redis,
#               a worker and the strict documentation build)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SEED ?= 42
DB := db.sqlite3
HOST ?= 127.0.0.1:8000
KINDS := recommendations sentiment pricing forecast search assistant

.DELETE_ON_ERROR:
.PHONY: bench demo serve test test-core test-demo test-oscar coverage lint docs demo-reset install install-train install-dev

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

# The documentation site's tools (MkDocs, Material), for `make docs` and .ci/run.
$(VENV)/.installed-docs: requirements/docs.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/docs.txt
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

# ruff, the three suites measuring coverage of ai_commerce together, then the floor.
test: lint test-core test-demo test-oscar coverage

# Branch coverage of ai_commerce over the three suites of `make test` ([tool.coverage] in pyproject.toml). The floor
# sits a little under the figure measured when it was set (2026-12-04, SQLite and eager Celery: 95.6% over the three
# suites, 94.2% from the core suite alone): raise it as tests are added, never lower it to pass.
COVERAGE_FLOOR ?= 94
coverage: $(VENV)/.installed-dev
	$(BIN)/coverage report --skip-covered --sort=cover | tail -n 25
	@echo "coverage of ai_commerce: $$($(BIN)/coverage report --format=total)% (floor $(COVERAGE_FLOOR)%)"
	$(BIN)/coverage report --fail-under=$(COVERAGE_FLOOR) --format=total >/dev/null

# The layering contracts of pyproject.toml first (the core imports no capability, web modules no training code),
# then the package's suites (tests/core and one folder per capability) on the althost shop. It starts the coverage
# data afresh; the other two suites add to it.
test-core: $(VENV)/.installed-dev
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest --cov --cov-report=

test-demo: $(VENV)/.installed-dev
	$(BIN)/pytest --ds=tests.demo_settings --cov --cov-append --cov-report=

# A real django-oscar shop (tests/oscar_settings.py) with ai_commerce added by its one-line preset.
test-oscar: $(VENV)/.installed-dev
	$(BIN)/pytest --ds=tests.oscar_settings --cov --cov-append --cov-report=

# The documentation site (mkdocs.yml, sources in docs/) into site/ (gitignored), strict: a broken link fails.
docs: $(VENV)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

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

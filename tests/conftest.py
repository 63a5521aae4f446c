"""Fixtures shared by both suites: services (PostgreSQL, Redis, a real Celery worker) and small helpers."""

import time
from pathlib import Path

import pytest
from django.db import connection

from tests import services
from tests.celery_app import app as test_celery_app  # becomes the current app, as a host's celery.py does


def _suite_of_settings():
    from django.conf import settings

    return SUITE_SETTINGS.get(settings.SETTINGS_MODULE, "core")


# One settings module per pytest run: `pytest` runs the package's suites (core and one folder per capability) on the
# althost shop, `pytest --ds=tests.demo_settings` runs tests/demo on the demo shop, and
# `pytest --ds=tests.oscar_settings` runs tests/oscar on a django-oscar shop.
PACKAGE_SUITES = ["core", "recommendations", "sentiment", "pricing", "forecast", "search", "assistant", "merchandising"]
#: The settings module of each suite that has a folder of its own; any other settings module runs the package's.
SUITE_SETTINGS = {"tests.demo_settings": "demo", "tests.oscar_settings": "oscar"}
_collected = PACKAGE_SUITES if _suite_of_settings() == "core" else [_suite_of_settings()]
collect_ignore = [folder for folder in [*PACKAGE_SUITES, *SUITE_SETTINGS.values()] if folder not in _collected]


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    required = "required" if services.REQUIRE_SERVICES else "optional (skipped when absent)"
    return [f"ai_commerce services: database={db}, redis={services.REDIS_URL}, real services {required}"]


def need_service(reason):
    """Skip a test whose service is missing; in CI (AI_COMMERCE_REQUIRE_SERVICES=1) fail it instead."""
    if services.REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


#: The `train` extra (requirements/train.txt): what a test marked ``@pytest.mark.train`` imports to train.
TRAIN_MODULES = ("tensorflow", "tensorflow_recommenders", "tf_keras", "implicit")


def missing_train_modules():
    import importlib.util
    import sys

    return [name for name in TRAIN_MODULES
            if sys.modules.get(name, True) is None or importlib.util.find_spec(name) is None]


def require_train_extra():
    """Skip (in CI, fail) where the train extra is not installed; for a fixture that trains every capability."""
    if missing := missing_train_modules():
        need_service(f"needs the train extra (pip install -r requirements/train.txt): {', '.join(missing)} missing")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """A test marked ``train`` skips, before its fixtures, where the train extra is not installed (fails in CI)."""
    if item.get_closest_marker("train"):
        require_train_extra()


@pytest.fixture
def redis_url():
    if not services.redis_reachable():
        need_service(f"Redis not reachable at {services.REDIS_URL}")
    return services.REDIS_URL


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Serving reads are cached per model version, and a rolled-back test may reuse a version's id."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture
def cross_signal(monkeypatch):
    """Serve one cross-signal (``stock_outlook``, ``product_lookup``, ``review_insights``) from a test's provider:
    ``cross_signal("stock_outlook", lambda ids: {...})``; ``None`` as the provider: no capability provides it."""
    from ai_commerce import capabilities

    real, chosen = capabilities.providers, {}
    monkeypatch.setattr(capabilities, "providers", lambda slot: chosen[slot] if slot in chosen else real(slot))

    def serve(slot, provide):
        chosen[slot] = [] if provide is None else [provide]

    return serve


@pytest.fixture
def fresh_search_index():
    """Search's serving index is kept per process: each test builds its own from its own rows, and leaves none."""
    from ai_commerce.search import serving

    serving.reset()
    yield
    serving.reset()


@pytest.fixture
def celery_app():
    return test_celery_app


SESSION_START = time.time()
BROWSER_ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "browser"
WORKER_TESTS = set()  # node ids of the tests that used a real worker, for the terminal summary


@pytest.fixture
def live_worker(request, transactional_db, redis_url, celery_app, settings):
    """A real Celery worker thread consuming from the Redis broker; tasks are no longer run eagerly."""
    from celery.contrib.testing.worker import start_worker

    if connection.vendor == "sqlite":  # a worker thread and the test share one SQLite file: "table is locked"
        need_service("a real worker needs PostgreSQL (set AI_COMMERCE_TEST_DATABASE_URL); CI runs it")
    WORKER_TESTS.add(request.node.nodeid)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.update(broker_url=redis_url, task_always_eager=False)
    celery_app.control.purge()
    try:
        with start_worker(celery_app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30) as worker:
            yield worker
    finally:
        celery_app.conf.task_always_eager = True


def wait_for(predicate, timeout=60.0, interval=0.2):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {predicate.__doc__ or predicate}")


@pytest.fixture
def db_vendor():
    return connection.vendor


def pytest_terminal_summary(terminalreporter):
    """Say plainly which real services the passed tests used, so a CI log shows it."""
    from django.conf import settings

    passed = terminalreporter.stats.get("passed", [])
    worker = [r for r in passed if r.nodeid in WORKER_TESTS]
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    terminalreporter.write_line(
        f"ai_commerce services: {len(passed)} tests passed on {engine}; "
        f"{len(worker)} of them through a real Celery worker on {settings.CELERY_BROKER_URL}")
    shots = sorted(p for p in BROWSER_ARTIFACTS.glob("*.png") if p.stat().st_mtime >= SESSION_START)
    if shots:
        terminalreporter.write_line(f"browser screenshots ({len(shots)}): {BROWSER_ARTIFACTS}")
        for path in shots:
            terminalreporter.write_line(f"  {path.name}")

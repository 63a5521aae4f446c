"""Celery works, or a check says why, whether or not the shop has a ``celery.py``.

A shop installing by the README alone has no Celery app of its own; ``ai_commerce`` then configures one from Django's
``CELERY_*`` settings, so the small shop's recipe (``CELERY_TASK_ALWAYS_EAGER = True``) runs tasks in-process and a
configured broker receives them. A fresh Python process proves it, since this one has the suite's own app.
"""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from celery import Celery, _state, current_app

from ai_commerce import celery_setup
from ai_commerce import checks as ai_checks
from tests.celery_app import app as test_celery_app

ROOT = Path(__file__).resolve().parents[2]

SHOP = """
import django
django.setup()
from celery import current_app
from ai_commerce import registry, tasks
assert "tests.celery_app" not in __import__("sys").modules
registry.fail_stale_runs = lambda: "ran in this process"
"""


def run_shop(mode, script):
    """Run ``script`` after Django starts on a shop with no celery.py (tests/no_celery_app_settings.py)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.no_celery_app_settings", "AI_COMMERCE_TEST_CELERY": mode,
           "PYTHONPATH": str(ROOT)}
    env.pop("CELERY_BROKER_URL", None)
    done = subprocess.run([sys.executable, "-c", SHOP + script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def in_a_thread(function):
    """Return what ``function`` returns in another thread (a web server's request thread)."""
    found = []
    thread = threading.Thread(target=lambda: found.append(function()))
    thread.start()
    thread.join()
    return found[0]


def test_eager_recipe_runs_tasks_in_process_without_a_celery_py():
    """In the main thread and in another one, as a threaded web server's request."""
    out = run_shop("eager", """
import threading
results = [tasks.fail_stale_runs_task.delay()]
thread = threading.Thread(target=lambda: results.append(tasks.fail_stale_runs_task.delay()))
thread.start()
thread.join()
print(current_app.main, *(f"{type(r).__name__}:{r.get()}".replace(" ", "_") for r in results))
""")
    assert out == ["ai_commerce", "EagerResult:ran_in_this_process", "EagerResult:ran_in_this_process"]


def test_without_eager_tasks_go_to_the_configured_broker_without_a_celery_py():
    out = run_shop("broker", """
result = tasks.fail_stale_runs_task.delay()
with current_app.connection_for_write() as connection:
    message = connection.SimpleQueue("celery").get(timeout=5)
print(type(result).__name__, connection.as_uri(), message.headers["task"], message.headers["id"] == result.id)
""")
    assert out == ["AsyncResult", "memory://:**@localhost//", "ai_commerce.tasks.fail_stale_runs_task", "True"]


def test_manage_py_check_warns_when_no_broker_is_configured_and_tasks_are_not_eager():
    out = run_shop("none", """
import io, re
from django.core.management import call_command
stderr = io.StringIO()
call_command("check", stderr=stderr)
out = stderr.getvalue()
print("amqp://guest:**@localhost:5672//" in out, *re.findall(r"ai_commerce\\.[EW]\\d{3}", out))
""")
    assert out[0] == "True" and "ai_commerce.W005" in out  # (and W001 when the lock cache is process-local)


# -- in this process ------------------------------------------------------------------------------------------------
@pytest.fixture
def no_app_yet(monkeypatch):
    """Celery as in a process where nobody has created an app yet; the suite's apps come back afterwards."""
    monkeypatch.setattr(_state, "default_app", None)
    monkeypatch.setattr(_state._tls, "current_app", None)


def current():
    return current_app._get_current_object()


def celery_changes():
    """What was set on the current Celery app itself, over what it reads from Django settings: patch keys here so
    that the app follows Django settings again afterwards."""
    current_app.conf.get("broker_url")  # loads its configuration, if nothing has yet
    return current_app.conf.changes


def test_without_a_project_app_install_configures_one_from_django_settings_for_every_thread(no_app_yet, settings):
    assert celery_setup.is_fallback(current())  # what @shared_task would use: it reads no settings
    app = celery_setup.install()
    assert app.main == "ai_commerce" and current() is app and in_a_thread(current) is app
    assert app.conf.task_always_eager is True and app.conf.broker_url == settings.CELERY_BROKER_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False  # read from Django settings as they are, like a project's celery.py
    assert app.conf.task_always_eager is False
    assert celery_setup.install() is app  # a second ready() changes nothing


def test_a_project_app_current_in_its_thread_only_becomes_the_default_of_every_thread(no_app_yet):
    project = Celery("shop", fixups=[])  # created before DJANGO_SETTINGS_MODULE was set: no Django fix-up
    assert current() is project and celery_setup.is_fallback(in_a_thread(current))
    assert celery_setup.install() is project
    assert in_a_thread(current) is project


def test_a_project_app_is_kept_as_it_is():
    """The suite's own app is what a host's celery.py makes: ai_commerce leaves it alone."""
    default = _state.default_app
    assert celery_setup.install() is test_celery_app is current()
    assert _state.default_app is default and not celery_setup.is_fallback(default)


def test_runs_in_process_follows_the_celery_app(monkeypatch):
    assert celery_setup.runs_in_process()  # the suite's settings: eager
    monkeypatch.setitem(celery_changes(), "task_always_eager", False)
    assert not celery_setup.runs_in_process()


# -- the checks, beyond their PROBLEMS rows (tests/core/test_checks.py) ----------------------------------------------
def test_e053_names_the_missing_line_of_celery_py_both_ways(settings, monkeypatch):
    monkeypatch.setitem(celery_changes(), "task_always_eager", False)
    [message] = ai_checks.check_celery()
    assert message.id == "ai_commerce.E053" and "sent to a broker instead" in message.msg
    assert "app.config_from_object('django.conf:settings', namespace='CELERY')" in message.hint
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setitem(celery_changes(), "task_always_eager", True)
    [message] = ai_checks.check_celery()
    assert message.id == "ai_commerce.E053" and "run in this process instead of a worker" in message.msg


def test_w006_says_where_tasks_go_instead(monkeypatch):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # Celery's own variable would win over both
    monkeypatch.setitem(celery_changes(), "broker_url", "redis://:secret@elsewhere:6379/3")
    [message] = ai_checks.check_celery()
    assert message.id == "ai_commerce.W006" and "redis://:**@elsewhere:6379/3" in message.msg


def test_no_broker_is_fine_for_the_small_shop_recipe(settings, monkeypatch):
    del settings.CELERY_BROKER_URL
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.setitem(celery_changes(), "broker_url", None)
    monkeypatch.setitem(celery_changes(), "task_always_eager", True)
    assert ai_checks.check_celery() == []  # eager: no broker needed
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")  # Celery reads its own variable too
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setitem(celery_changes(), "task_always_eager", False)
    assert ai_checks.check_celery() == []

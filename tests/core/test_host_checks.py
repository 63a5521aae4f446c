"""The checks of how a shop runs ai_commerce (``ai_commerce.host_checks``): each silent failure of issue 25 set up,
and its check id expected; and the crontab an eager shop is given instead of beat schedules nobody runs."""

import shlex
import sys
from types import SimpleNamespace

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django_celery_beat.models import PeriodicTask

from ai_commerce import host_checks
from ai_commerce.adapter import ShopAdapter

SQLITE_FILE = {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/shop/db.sqlite3"}


def sqlite_warnings(monkeypatch, **database):
    monkeypatch.setattr(host_checks, "settings", SimpleNamespace(DATABASES={"default": database}))
    return host_checks.check_sqlite_concurrency()


def test_w007_a_sqlite_file_without_the_concurrency_options(monkeypatch):
    [warning] = sqlite_warnings(monkeypatch, **SQLITE_FILE)
    assert warning.id == "ai_commerce.W007"
    assert '"transaction_mode": "IMMEDIATE"' in warning.msg and "WAL" in warning.msg and "database is locked" in \
        warning.msg
    assert "'transaction_mode': 'IMMEDIATE'" in warning.hint and "journal_mode=WAL" in warning.hint
    [short] = sqlite_warnings(monkeypatch, **SQLITE_FILE, OPTIONS={**host_checks.SQLITE_OPTIONS, "timeout": 1})
    assert "timeout of 5 seconds" in short.msg and "IMMEDIATE" not in short.msg


def test_w007_is_quiet_with_the_options_in_memory_and_on_postgresql(monkeypatch):
    assert sqlite_warnings(monkeypatch, **SQLITE_FILE, OPTIONS=dict(host_checks.SQLITE_OPTIONS)) == []
    assert sqlite_warnings(monkeypatch, ENGINE="django.db.backends.sqlite3", NAME=":memory:") == []
    assert sqlite_warnings(monkeypatch, ENGINE="django.db.backends.postgresql", NAME="shop") == []


class StatusChoices(ShopAdapter):
    def order_statuses(self):
        return ["placed", "paid", "cancelled"]


def test_w009_an_excluded_status_no_order_can_have(settings):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "ADAPTER": f"{__name__}.StatusChoices",
                            "ORDER_STATUSES_EXCLUDED": ["canceled", "placed"]}
    [warning] = [m for m in checks.run_checks() if m.id == "ai_commerce.W009"]
    assert "'canceled'" in warning.msg and "'placed'" not in warning.msg.split("statuses:")[0]
    assert "'canceled' -> 'cancelled'?" in warning.hint
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "ORDER_STATUSES_EXCLUDED": ["cancelled"]}
    assert not [m for m in checks.run_checks() if m.id == "ai_commerce.W009"]


def test_w009_says_nothing_when_the_shop_does_not_say_its_statuses():
    """The test shop's status is a plain CharField with no choices: no list to hold the setting against."""
    assert ShopAdapter().order_statuses() is None
    assert not [m for m in checks.run_checks() if m.id == "ai_commerce.W009"]


@pytest.mark.django_db
def test_w010_eager_tasks_and_beat_schedules_nothing_will_run():
    assert host_checks.runs_eagerly()
    assert not [m for m in checks.run_checks(databases=["default"]) if m.id == "ai_commerce.W010"]
    call_command("ai_commerce_setup_schedules", beat=True, verbosity=0)
    [warning] = [m for m in checks.run_checks(databases=["default"]) if m.id == "ai_commerce.W010"]
    assert "12 beat schedules" in warning.msg and "--cron" in warning.hint
    assert not [m for m in checks.run_checks() if m.id == "ai_commerce.W010"]  # a database check: not in `check`
    PeriodicTask.objects.filter(name__startswith="ai_commerce").update(enabled=False)
    PeriodicTask.objects.filter(name__contains="restock").update(enabled=False)
    assert not [m for m in checks.run_checks(databases=["default"]) if m.id == "ai_commerce.W010"]


@pytest.mark.django_db
def test_an_eager_shop_gets_crontab_lines_and_no_beat_schedule(capsys):
    call_command("ai_commerce_setup_schedules")
    out, err = capsys.readouterr()
    assert PeriodicTask.objects.count() == 0
    assert "Tasks run eagerly" in err and "crontab" in err
    lines = [line for line in out.splitlines() if not line.startswith("#")]
    # the same as beat's: 7 retrains (with tests.restock), stock snapshot, conversation prune, janitor, sweep, prune
    assert len(lines) == 12
    nightly = out.splitlines()[out.splitlines().index("# ai_commerce: retrain recommendations nightly") + 1]
    minute, hour, *_rest, cd, _folder, _and, python, manage, command, kind = shlex.split(nightly)
    assert (minute, hour, cd, python, command, kind) == ("0", "3", "cd", sys.executable, "ai_commerce_train",
                                                         "recommendations")
    assert manage.endswith("manage.py")
    sweep = next(line for line in lines if "sweep_task" in line)
    assert sweep.startswith("*/10 * * * * ") and sweep.endswith("ai_commerce_run_task ai_commerce.tasks.sweep_task")
    call_command("ai_commerce_setup_schedules", cron=True)
    assert capsys.readouterr().out == out  # --cron prints the same, and says nothing else


@pytest.mark.django_db
def test_each_cron_line_runs(capsys):
    """What the crontab calls works: a non-retrain schedule's task runs in this process."""
    call_command("ai_commerce_run_task", "ai_commerce.tasks.sweep_task")
    assert capsys.readouterr().out.startswith("ai_commerce.tasks.sweep_task: {'runs': 0")
    call_command("ai_commerce_run_task", "ai_commerce.tasks.fail_stale_runs_task")
    with pytest.raises(CommandError, match=r"not the task of a schedule; use one of ai_commerce\.assistant\.tasks"):
        call_command("ai_commerce_run_task", "os.system", "true")

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_celery_beat.models import PeriodicTask

pytestmark = pytest.mark.django_db


def test_setup_creates_default_schedules_once_and_keeps_admin_edits(capsys):
    call_command("ai_commerce_setup_schedules", beat=True)
    # one retrain per capability (with tests.restock), the stock snapshot, the janitor, the sweep and the weekly prune
    assert "12 schedules created" in capsys.readouterr().out
    nightly = PeriodicTask.objects.get(name="ai_commerce: retrain recommendations nightly")
    assert nightly.task == "ai_commerce.tasks.retrain_task" and json.loads(nightly.args) == ["recommendations"]
    assert (nightly.crontab.hour, nightly.crontab.minute) == ("3", "0")
    nightly.enabled = False  # an admin turns it off
    nightly.save()
    call_command("ai_commerce_setup_schedules", beat=True)
    assert "0 schedules created, 12 already there" in capsys.readouterr().out
    assert PeriodicTask.objects.filter(name__startswith="ai_commerce:").count() == 11
    assert not PeriodicTask.objects.get(pk=nightly.pk).enabled


def test_schedules_of_apps_not_installed_are_not_created(settings):
    settings.INSTALLED_APPS = [a for a in settings.INSTALLED_APPS if a != "ai_commerce.pricing"]
    call_command("ai_commerce_setup_schedules", beat=True)
    assert not PeriodicTask.objects.filter(name__contains="pricing").exists()


def test_a_bad_crontab_is_one_line(settings):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "SCHEDULES": {"x": {"task": "t", "kind": None, "crontab": "3am"}}}
    with pytest.raises(CommandError, match=r"not a crontab.*AI_COMMERCE\['SCHEDULES'\]"):
        call_command("ai_commerce_setup_schedules", beat=True)

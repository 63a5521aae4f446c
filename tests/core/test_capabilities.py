"""A capability is an AppConfig: the test-only ``tests.restock`` capability is installed through settings alone and
the core trains it, shows it, tunes it, schedules it, routes it and forgets it without naming it anywhere."""

import datetime as dt
import json
import random

import pytest
from django.core import checks
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from ai_commerce import capabilities, registry
from ai_commerce.conf import app_settings
from ai_commerce.models import Interaction, ModelVersion, TrainingRun, Tuning
from ai_commerce.tuning import problems, tuned
from tests.factories import ItemFactory, UserFactory
from tests.restock.models import UserDemand

pytestmark = pytest.mark.django_db
CORE_KINDS = ["recommendations", "sentiment", "pricing", "forecast", "search", "assistant", "merchandising"]


@pytest.fixture
def shoppers():
    """Ten shoppers who each buy at a steady rate of their own over 90 days, the newest purchase 300 days ago."""
    rng = random.Random(3)
    item, users = ItemFactory(), UserFactory.create_batch(10)
    newest = timezone.now() - dt.timedelta(days=300)
    events = []
    for n, user in enumerate(users):
        for day in range(0, 90, n % 3 + 1):
            events.append(Interaction(user=user, product=item, kind="purchase", quantity=rng.randint(1, 2),
                                      occurred_at=newest - dt.timedelta(days=89 - day), source="backfill"))
    Interaction.objects.bulk_create(events)
    return users


def test_installed_capabilities_are_the_app_configs_in_installed_apps_order():
    assert capabilities.kinds() == [*CORE_KINDS, "restock"]
    restock = capabilities.get("restock")
    assert restock.label == "restock" and capabilities.by_settings_key("RESTOCK") is restock
    assert capabilities.get("nope") is None


def test_its_settings_merge_over_its_defaults_and_its_check_is_registered(settings):
    assert app_settings.RESTOCK == {"HORIZON_DAYS": 14}
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "RESTOCK": {"HORIZON_DAYS": 0}}
    assert app_settings.RESTOCK == {"HORIZON_DAYS": 0}
    found = [m.id for m in checks.run_checks()]
    assert "restock.E001" in found and "ai_commerce.W002" not in found  # a known key, checked by its own check


def test_it_trains_through_the_registry_and_is_judged_on_its_own_newest_days(shoppers):
    done = registry.execute_run(TrainingRun.objects.create(kind="restock").pk)
    assert done.status == "succeeded", done.message
    version = done.model_version
    assert version.is_active and version.metrics["skill"] > 0.5, version.metrics
    assert version.held_out.endswith("judged on 10 users")
    assert UserDemand.objects.filter(model_version=version).count() == 10


def test_it_shows_on_the_dashboard_with_its_key_metrics_and_panel(shoppers, admin_client):
    registry.execute_run(TrainingRun.objects.create(kind="restock").pk)
    page = admin_client.get("/admin/ai_commerce/dashboard/").content.decode()
    assert 'id="ai-restock"' in page and "Demand restock" in page
    assert '<p class="ai-restock">10 shoppers restock</p>' in page
    assert "Held-out metrics of each demand restock version" in page
    listing = admin_client.get("/admin/ai_commerce/modelversion/?kind=restock").content.decode()
    assert "skill&nbsp;" in listing and "naive_mae&nbsp;" in listing  # its key metrics, in its order


def test_staff_tune_it_in_the_admin_checked_by_its_own_check(admin_client):
    add = "/admin/ai_commerce/tuning/add/"
    form = admin_client.get(add).content.decode()
    assert '<option value="restock">demand restock</option>' in form
    bad = admin_client.post(add, {"kind": "restock", "values": '{"HORIZON_DAYS": 0}'})
    assert "is out of range. Use a whole number from 1 to 90." in bad.content.decode()
    assert problems("restock", {"MIN_REVIEWS": 3}) == ["MIN_REVIEWS cannot be tuned here; the keys are HORIZON_DAYS."]
    admin_client.post(add, {"kind": "restock", "values": '{"HORIZON_DAYS": 7}'})
    assert Tuning.objects.get(kind="restock").values == {"HORIZON_DAYS": 7}
    assert tuned("restock") == tuned("RESTOCK") == {"HORIZON_DAYS": 7}
    change = admin_client.get(f"/admin/ai_commerce/tuning/{Tuning.objects.get().pk}/change/").content.decode()
    assert "restock: HORIZON_DAYS" in change


def test_it_gets_its_schedule_and_its_urls():
    call_command("ai_commerce_setup_schedules", beat=True)
    task = PeriodicTask.objects.get(name="restock: retrain nightly")
    assert task.task == "ai_commerce.tasks.retrain_task" and json.loads(task.args) == ["restock"]
    assert (task.crontab.hour, task.crontab.minute) == ("2", "15")


def test_its_urls_are_included_and_the_train_command_knows_its_kind(client, shoppers, capsys):
    assert client.get("/ai/api/restock/").json() == {"model_version": None}
    call_command("ai_commerce_train", "restock")
    assert "succeeded" in capsys.readouterr().out
    active = ModelVersion.objects.of_kind("restock").active().get()
    assert client.get("/ai/api/restock/").json() == {"model_version": active.pk}


def test_forget_user_forgets_what_it_derived(shoppers, capsys):
    registry.execute_run(TrainingRun.objects.create(kind="restock").pk)
    user = shoppers[0]
    call_command("ai_commerce_forget_user", str(user.pk))
    out = capsys.readouterr().out
    assert "1 restock" in out and not UserDemand.objects.filter(user=user).exists()
    assert UserDemand.objects.count() == 9

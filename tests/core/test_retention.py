"""Retention: old versions lose their serving rows and artifact files, never the ones that serve or may serve again."""

import datetime as dt
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from ai_commerce import checks as ai_checks
from ai_commerce import registry, retention
from ai_commerce.models import ModelVersion, TrainingRun
from ai_commerce.pricing.models import ElasticityEstimate
from ai_commerce.recommendations.models import (
    Experiment,
    ExperimentArm,
    Recommendation,
    RelatedProduct,
    TrendingProduct,
)
from ai_commerce.retention import prune_versions, prune_versions_task
from ai_commerce.schedules import ensure_schedules
from tests.factories import ItemFactory, UserFactory
from tests.restock.models import UserDemand

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
START = timezone.now() - dt.timedelta(days=100)


def make_version(kind, day, *, activated=None, status=ModelVersion.Status.RETIRED):
    """A trained version of ``kind`` created on ``day`` (days after START), with an artifact and serving rows."""
    version = ModelVersion.objects.create(kind=kind, status=status, metrics={"score": day}, note=f"made on {day}")
    ModelVersion.objects.filter(pk=version.pk).update(
        created_at=START + dt.timedelta(days=day),
        activated_at=None if activated is None else START + dt.timedelta(days=activated))
    version.refresh_from_db()
    version.path = registry.save_artifact(version, "model.bin", b"weights")
    item, other, user = ItemFactory(), ItemFactory(), UserFactory()
    if kind == "recommendations":
        common = {"model_version": version, "product": item, "rank": 1, "score": 1.0, "reason": "popular"}
        Recommendation.objects.create(user=user, **common)
        RelatedProduct.objects.create(source=other, kind="similar", **common)
        TrendingProduct.objects.create(**common)
    elif kind == "pricing":
        ElasticityEstimate.objects.create(model_version=version, product=item)
    else:
        UserDemand.objects.create(model_version=version, user=user, units=2.0)
    return version


def rows_of(version):
    return sum(model.objects.filter(model_version=version).count()
               for model in (Recommendation, RelatedProduct, TrendingProduct, ElasticityEstimate, UserDemand))


def experiment(status, version):
    running = Experiment.objects.create(name=f"test {status}", status=status)
    ExperimentArm.objects.create(experiment=running, name="control", is_control=True)
    ExperimentArm.objects.create(experiment=running, name="treatment", version=version)


@pytest.fixture
def versions():
    """Eight recommendations versions, oldest first (v[0]), and three of pricing. The active recommendations version
    is v[2] (a newer one was not promoted); a rollback would restore v[1]; experiment arms use v[3], v[4] and v[5]."""
    v = [make_version("recommendations", day) for day in range(8)]
    ModelVersion.objects.filter(pk=v[0].pk).update(activated_at=START)
    ModelVersion.objects.filter(pk=v[1].pk).update(activated_at=START + dt.timedelta(days=10))
    ModelVersion.objects.filter(pk=v[6].pk).update(status=ModelVersion.Status.NOT_PROMOTED)
    registry.activate(v[2])
    experiment(Experiment.Status.RUNNING, v[3])
    experiment(Experiment.Status.DRAFT, v[4])
    experiment(Experiment.Status.CONCLUDED, v[5])
    prices = [make_version("pricing", day) for day in range(3)]
    registry.activate(prices[2])
    TrainingRun.objects.create(kind="recommendations", status="succeeded", model_version=v[0])
    return {"recommendations": v, "pricing": prices}


def test_prune_keeps_the_newest_the_active_the_rollback_and_experiment_versions(versions):
    recs, prices = versions["recommendations"], versions["pricing"]
    storage = storages["default"]
    assert all(storage.exists(v.path) for v in recs + prices)

    pruned = prune_versions(keep=2)

    gone = {recs[0].pk, recs[5].pk, prices[0].pk}  # old, and not serving: the concluded experiment's arm included
    assert sorted(entry["version"] for entry in pruned.versions) == sorted(
        str(v) for v in ModelVersion.objects.filter(pk__in=gone))
    assert pruned.rows == 3 + 3 + 1 and pruned.files == 3
    for version in recs + prices:
        version.refresh_from_db()
        if version.pk in gone:
            assert rows_of(version) == 0 and not storage.exists(version.path) and version.artifacts == {}
            assert version.note.startswith("Pruned on ") and version.note.endswith(f"on {version.metrics['score']}")
        else:
            assert rows_of(version) > 0 and storage.exists(version.path) and "model.bin" in version.artifacts
    # The row stays as a record, with its metrics and the runs that trained it.
    assert ModelVersion.objects.get(pk=recs[0].pk).metrics == {"score": 0}
    assert TrainingRun.objects.get(model_version=recs[0]).kind == "recommendations"

    assert prune_versions(keep=2).versions == []  # nothing left to prune
    restored = registry.rollback("recommendations")
    assert restored == recs[1] and rows_of(restored) == 3 and "model.bin" in restored.artifacts


def test_the_default_keeps_five_of_each_kind(versions):
    pruned = prune_versions()
    assert [entry["version"] for entry in pruned.versions] == [str(versions["recommendations"][0])]


def test_a_missing_or_undeletable_file_does_not_stop_the_prune(versions, monkeypatch, caplog):
    recs = versions["recommendations"]
    storage = storages["default"]
    storage.delete(recs[0].path)
    monkeypatch.setattr(type(storage), "delete", lambda self, name: 1 / 0)
    with caplog.at_level(logging.WARNING, logger="ai_commerce.retention"):
        pruned = prune_versions(keep=2)
    assert len(pruned.versions) == 3 and pruned.files == 0 and pruned.rows == 7
    assert "could not delete artifact" in caplog.text and storage.exists(recs[5].path)
    assert ModelVersion.objects.get(pk=recs[5].pk).artifacts == {}


def test_capabilities_say_which_versions_serve_besides_the_active_one(versions):
    recs = versions["recommendations"]
    from django.apps import apps

    assert apps.get_app_config("ai_commerce_recommendations").versions_in_use() == {recs[3].pk, recs[4].pk}
    assert apps.get_app_config("ai_commerce_pricing").versions_in_use() == set()


def test_the_command_prints_what_it_removed(versions, capsys):
    call_command("ai_commerce_prune_versions", "--keep", "2")
    out = capsys.readouterr().out
    assert f"pruned {versions['pricing'][0]}: 1 serving rows, 1 files" in out
    assert f"pruned {versions['recommendations'][0]}: 3 serving rows, 1 files" in out
    assert "3 versions pruned: 7 serving rows and 3 files removed; the newest 2 of each kind kept." in out


@pytest.mark.parametrize("keep", ["0", "-1", "two"])
def test_the_command_refuses_a_bad_keep_and_prunes_nothing(versions, keep):
    with pytest.raises(CommandError, match=r"^--keep: .* must be a whole number, 1 or more"):
        call_command("ai_commerce_prune_versions", "--keep", keep)
    assert not ModelVersion.objects.filter(note__startswith="Pruned").exists()
    with pytest.raises(ValueError, match="1 or more"):
        prune_versions(keep=0)


def test_the_command_line_exits_non_zero_with_one_line():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run([sys.executable, "-m", "django", "ai_commerce_prune_versions", "--keep", "0"],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == ("CommandError: --keep: the number of versions to keep of each kind must be a "
                                     "whole number, 1 or more, not 0.")


def test_the_weekly_schedule_runs_the_task_with_the_setting(versions, settings):
    ensure_schedules()
    task = PeriodicTask.objects.get(name="ai_commerce: prune old model versions weekly")
    assert task.task == "ai_commerce.retention.prune_versions_task" and json.loads(task.args) == []
    assert (task.crontab.day_of_week, task.crontab.hour) == ("0", "4")
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "KEEP_VERSIONS": 2}
    assert prune_versions_task.delay().get() == 3


def test_a_fresh_worker_process_knows_the_task():
    """The schedule names the task; a worker loads it with the app (no test module imported it first)."""
    script = ("import django; django.setup(); from tests.celery_app import app; "
              "app.loader.import_default_modules(); print('ai_commerce.retention.prune_versions_task' in app.tasks)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT,
                            timeout=120, check=False)
    assert result.stdout.strip() == "True", result.stderr


@pytest.mark.parametrize("value", [0, -2, True, "5", 2.5, None])
def test_e052_keep_versions(settings, value):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "KEEP_VERSIONS": value}
    assert [m.id for m in ai_checks.check_retention()] == ["ai_commerce.E052"]


def test_keep_versions_passes_by_default():
    assert ai_checks.check_retention() == [] and retention.keep_problem(1) is None


def test_a_pruned_version_cannot_be_activated():
    old = make_version("pricing", 1)
    for day in range(2, 5):
        make_version("pricing", day)
    prune_versions(keep=1)
    old.refresh_from_db()
    assert old.note.startswith("Pruned")
    with pytest.raises(registry.ActivationRefused, match="was pruned"):
        registry.activate(old)

"""Model versions, promotion, activation, rollback, artifacts, training runs and locks."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ai_commerce import locks, registry, tasks
from ai_commerce.models import ModelVersion, TrainingRun
from tests import trainers
from tests.factories import ItemFactory, SaleLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainer():
    """Register the tiny popularity trainer for 'pricing' for one test."""
    with trainers.trainer_for("pricing", "tests.trainers.popularity_trainer"):
        yield


def version(metric=0.5, **fields):
    return ModelVersion.objects.create(kind="pricing", metrics={"hit_rate": metric}, **fields)


def test_an_activation_is_announced_with_the_version_it_replaced(django_capture_on_commit_callbacks):
    from ai_commerce.signals import version_activated

    first, second = version(), version()
    heard = []

    def receiver(sender, version, previous, **kwargs):
        heard.append((version, previous))

    version_activated.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            registry.activate(first)
            registry.activate(second)
    finally:
        version_activated.disconnect(receiver)
    assert heard == [(first, None), (second, first)]


def test_the_database_allows_one_active_version_per_kind():
    ModelVersion.objects.create(kind="pricing", is_active=True)
    ModelVersion.objects.create(kind="sentiment", is_active=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.create(kind="pricing", is_active=True)


def test_activate_switches_atomically_and_rollback_restores():
    first, second = version(), version()
    registry.activate(first)
    registry.activate(second)
    first.refresh_from_db()
    assert (first.is_active, first.status, second.is_active) == (False, "retired", True)
    restored = registry.rollback("pricing")
    assert restored.pk == first.pk
    assert list(ModelVersion.objects.active().values_list("pk", flat=True)) == [first.pk]
    assert "Rolled back" in restored.note


def test_rollback_with_nothing_before_is_refused():
    registry.activate(version())
    with pytest.raises(registry.ActivationRefused, match="no earlier"):
        registry.rollback("pricing")


def test_failed_or_unevaluated_versions_cannot_be_activated():
    with pytest.raises(registry.ActivationRefused, match="failed"):
        registry.activate(version(status=ModelVersion.Status.FAILED))
    with pytest.raises(registry.ActivationRefused, match="no held-out metrics"):
        registry.activate(ModelVersion.objects.create(kind="pricing"))
    assert not ModelVersion.objects.active().exists()


def test_promotion_gate():
    active = registry.activate(version(0.40))
    worse = version(0.30)
    promoted, reason = registry.promote_if_better(worse, metric="hit_rate")
    assert not promoted and "below active" in reason
    assert worse.status == "not_promoted" and ModelVersion.objects.active().get() == active
    within = version(0.395)
    assert registry.promote_if_better(within, metric="hit_rate", tolerance=0.01)[0]
    loses_to_baseline = ModelVersion.objects.create(kind="pricing", metrics={"hit_rate": 0.9, "pop": 0.95})
    promoted, reason = registry.promote_if_better(loses_to_baseline, metric="hit_rate", baselines=["pop"])
    assert not promoted and "pop 0.9500" in reason
    unevaluated = ModelVersion.objects.create(kind="pricing")
    with pytest.raises(registry.NotEvaluated, match="held-out hit_rate"):
        registry.promote_if_better(unevaluated, metric="hit_rate")
    unevaluated.refresh_from_db()
    assert unevaluated.status == "not_promoted" and unevaluated.note == "Not promoted: not evaluated on hit_rate."
    assert ModelVersion.objects.active().get().metrics["hit_rate"] == 0.395


def test_artifacts_round_trip_and_are_immutable():
    v = version()
    path = registry.save_artifact(v, "weights.bin", b"\x00\x01")
    assert path.startswith("ai_commerce/models/pricing/")
    with registry.open_artifact(v, "weights.bin") as f:
        assert f.read() == b"\x00\x01"
    with pytest.raises(ValueError, match="immutable"):
        registry.save_artifact(v, "weights.bin", b"again")
    registry.activate(v)
    with pytest.raises(ValueError, match="immutable"):
        registry.save_artifact(v, "other.bin", b"late")


def run(kind="pricing"):
    return TrainingRun.objects.create(kind=kind, triggered_by="test")


def test_a_run_trains_evaluates_and_promotes(trainer):
    for item in ItemFactory.create_batch(2):
        SaleLineFactory.create_batch(3, article=item)
    done = registry.execute_run(run().pk)
    assert (done.status, done.progress) == ("succeeded", 100), done.error
    assert done.started_at <= done.finished_at and "top product" in done.log
    new = done.model_version
    assert new.is_active and new.training_runs.get() == done
    counts = json.loads(registry.open_artifact(new, "counts.json").read())
    assert sum(counts.values()) == 4
    assert not locks.is_held(registry.lock_name("pricing"))


def test_running_a_finished_run_again_does_nothing(trainer):
    SaleLineFactory.create_batch(3)
    done = registry.execute_run(run().pk)
    again = registry.execute_run(done.pk)
    assert again.finished_at == done.finished_at and ModelVersion.objects.count() == 1
    assert registry.execute_run(987654) is None


def test_too_little_data_is_skipped_and_keeps_the_active_version(trainer):
    active = registry.activate(version())
    done = registry.execute_run(run().pk)
    assert done.status == "skipped" and done.message == "skipped: not enough data (0 events, need 3)"
    assert ModelVersion.objects.active().get() == active


def test_a_raising_trainer_fails_the_run_releases_the_lock_keeps_the_active_version():
    with trainers.trainer_for("sentiment", trainers.failing_trainer):
        active = ModelVersion.objects.create(kind="sentiment", metrics={"f1": 0.8})
        registry.activate(active)
        done = registry.execute_run(run("sentiment").pk)
    assert done.status == "failed" and "boom" in done.error and "RuntimeError" in done.message
    assert not locks.is_held(registry.lock_name("sentiment"))
    assert ModelVersion.objects.active().get() == active


def test_two_runs_of_one_kind_never_overlap(trainer):
    SaleLineFactory.create_batch(3)
    with locks.lock(registry.lock_name("pricing"), ttl=60):
        done = registry.execute_run(run().pk)
    assert done.status == "skipped" and "another pricing run is in progress" in done.message
    assert registry.execute_run(run().pk).status == "succeeded"  # the lock was freed


def test_a_kind_without_a_trainer_is_skipped_with_the_fix(settings):
    with trainers.trainer_for("recommendations", None):  # as before an app registers its trainer
        done = registry.execute_run(run("recommendations").pk)
        assert done.status == "skipped" and "registers no trainer yet" in done.message
        settings.INSTALLED_APPS = [a for a in settings.INSTALLED_APPS if a != "ai_commerce.recommendations"]
        done = registry.execute_run(run("recommendations").pk)
        assert "no installed capability has the kind 'recommendations': add its app to INSTALLED_APPS" in done.message


def test_the_janitor_fails_runs_whose_worker_died():
    dead = run()  # running, but no heartbeat renews its lock: its lock expired
    TrainingRun.objects.filter(pk=dead.pk).update(status="running", heartbeat_at=timezone.now())
    live = run("sentiment")
    TrainingRun.objects.filter(pk=live.pk).update(
        status="running", heartbeat_at=timezone.now() - timezone.timedelta(hours=3))  # silent, but its lock lives
    token = locks.acquire(registry.lock_name("sentiment"), ttl=600, owner=live.pk)
    assert registry.fail_stale_runs() == 1
    dead.refresh_from_db()
    assert dead.status == "failed" and "janitor" in dead.error and "lock expired" in dead.message
    assert TrainingRun.objects.get(pk=live.pk).status == "running"
    assert locks.holder(registry.lock_name("sentiment")) == token


def test_lock_is_exclusive_and_only_its_owner_releases_it():
    token = locks.acquire("x", ttl=60)
    assert token and locks.acquire("x", ttl=60) is None
    locks.release("x", "not-the-token")
    assert locks.is_held("x")
    locks.release("x", token)
    with locks.lock("x", ttl=60), pytest.raises(locks.LockHeld), locks.lock("x", ttl=60):
        pass
    assert not locks.is_held("x")


def test_enqueue_sends_after_commit(trainer, django_capture_on_commit_callbacks):
    SaleLineFactory.create_batch(3)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queued = tasks.enqueue_training("pricing", triggered_by="test")
        assert TrainingRun.objects.get(pk=queued.pk).status == "queued"
    assert len(callbacks) == 2  # the send; then, in the run eager Celery made, the activation's announcement
    queued.refresh_from_db()
    assert queued.status == "succeeded"  # eager Celery ran it


def test_train_command_shows_progress_and_fails_loudly(trainer, capsys):
    SaleLineFactory.create_batch(3)
    call_command("ai_commerce_train", "pricing")
    captured = capsys.readouterr()
    assert "succeeded" in captured.out and "100%" in captured.err
    registry.register_trainer("pricing", trainers.failing_trainer)
    with pytest.raises(CommandError, match="failed: RuntimeError"):
        call_command("ai_commerce_train", "pricing")

"""A run that finds its kind's lock held is deferred until the lock expires, not skipped (issue 26, part 5a): a
killed worker's lock lives up to ``LOCK_TTL``, and a nightly run landing there was lost. A lock that its holder
renewed meanwhile (a live run) still skips the run, as before; so does eager mode, which has no queue to wait in."""

from types import SimpleNamespace

import pytest

from ai_commerce import locks, registry, tasks
from ai_commerce.models import TrainingRun
from tests.conftest import wait_for
from tests.factories import SaleLineFactory
from tests.trainers import popularity_trainer, trainer_for

pytestmark = pytest.mark.django_db
LOCK = registry.lock_name("pricing")


@pytest.fixture
def dead_lock():
    """The pricing lock of run 999, whose worker was killed: nobody renews it; it lives 50 s more."""
    SaleLineFactory.create_batch(3)
    token = locks.acquire(LOCK, ttl=50, owner=999)
    with trainer_for("pricing", popularity_trainer):
        yield token
    locks.release(LOCK, token)


class Retry(Exception):
    pass


def fake_task(retries=0, kwargs=None, eager=False):
    """A bound task's ``self``, as Celery passes it, whose ``retry`` records what it was asked."""
    asked = {}

    def retry(**options):
        asked.update(options)
        return Retry()

    request = SimpleNamespace(retries=retries, kwargs=kwargs or {}, is_eager=eager, id="task-1")
    return SimpleNamespace(request=request, retry=retry), asked


def test_a_run_behind_a_dead_workers_lock_is_deferred_until_the_lock_expires(dead_lock):
    run = TrainingRun.objects.create(kind="pricing")
    task, asked = fake_task()
    with pytest.raises(Retry):
        tasks._train(task, run.pk)
    assert 49 <= asked["countdown"] <= 52  # the lock's remaining TTL and a second
    assert asked["kwargs"] == {"behind": dead_lock, "deferrals": 1}
    run.refresh_from_db()
    assert run.status == "queued" and run.message.startswith("deferred: run 999 holds the pricing lock")
    assert run.task_id == "task-1"  # marked sent: the sweep does not send it a second time
    assert "deferred" in run.log

    locks.release(LOCK, dead_lock)  # the lock expired
    retried, _ = fake_task(retries=1, kwargs=asked["kwargs"])
    assert tasks._train(retried, run.pk, behind=dead_lock, deferrals=1) == "succeeded"


def test_a_lock_renewed_while_the_run_waited_skips_it(dead_lock):
    run = TrainingRun.objects.create(kind="pricing")
    task, _ = fake_task(retries=1, kwargs={"behind": dead_lock, "deferrals": 1})
    assert tasks._train(task, run.pk, behind=dead_lock, deferrals=1) == "skipped"
    run.refresh_from_db()
    assert run.message == "skipped: another pricing run is in progress (it renewed its lock while this run waited)"


def test_a_new_holder_defers_the_run_again(dead_lock):
    run = TrainingRun.objects.create(kind="pricing")
    task, asked = fake_task(retries=1, kwargs={"behind": "998:old", "deferrals": 1})
    with pytest.raises(Retry):
        tasks._train(task, run.pk, behind="998:old", deferrals=1)
    assert asked["kwargs"]["deferrals"] == 2 and asked["max_retries"] == 2


def test_deferrals_do_not_use_up_the_transient_retries(dead_lock, monkeypatch):
    locks.release(LOCK, dead_lock)
    run = TrainingRun.objects.create(kind="pricing")
    monkeypatch.setattr(registry, "execute_run", lambda *a, **k: (_ for _ in ()).throw(registry.RetryLater("db")))
    task, asked = fake_task(retries=5, kwargs={"deferrals": 5})
    with pytest.raises(Retry):
        tasks._train(task, run.pk, deferrals=5)
    assert asked["max_retries"] == 3 + 5 and asked["countdown"] == 10  # the first transient retry's backoff


def test_eager_mode_still_skips(dead_lock):
    run = TrainingRun.objects.create(kind="pricing")
    assert tasks.train_task.apply(args=(run.pk,)).get() == "skipped"


@pytest.mark.services
def test_a_real_worker_runs_a_nightly_run_once_a_dead_workers_lock_expires(live_worker, settings):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "LOCK_TTL": 3}
    SaleLineFactory.create_batch(3)
    token = locks.acquire(LOCK, ttl=2, owner=999)  # its worker was killed
    with trainer_for("pricing", popularity_trainer):
        tasks.retrain_task.delay("pricing")
        run = wait_for(lambda: TrainingRun.objects.filter(status="succeeded").first(), timeout=30)
    assert "deferred: run 999 holds the pricing lock" in run.log
    locks.release(LOCK, token)

"""Celery tasks. They are thin: each takes primary keys or names and calls a plain function that tests call directly.

``enqueue_training(kind)`` is how code queues a training run for a worker. Outcomes live in ``TrainingRun`` and
``ModelVersion`` rows, not in a result backend.

A training task that hits a transient error (``registry.transient()``: the database or Redis unreachable) puts its run
back in the queue and retries with exponential backoff, ``TRAIN_RETRIES`` times; the last attempt fails the run. A
task whose kind's lock is held by another run (a killed worker's lock lives up to ``LOCK_TTL``) is retried when that
lock expires; if the lock was renewed meanwhile (its run is alive), the run is skipped.
"""

import logging
import time

from celery import shared_task
from django.db import transaction

from . import celery_setup, registry, sweep
from .conf import app_settings
from .models import TrainingRun

logger = logging.getLogger(__name__)
SOFT_LIMIT = app_settings.TRAIN_TIME_LIMIT


def _train(task, run_id, behind=None, deferrals=0):
    """Run ``run_id`` in ``task``, retrying it after a transient error while retries are left: through the broker
    with a countdown, or, in eager mode, here after a sleep. A run that finds its kind's lock held by another run is
    deferred (through the broker) until that lock expires (``registry.Deferred``); ``behind`` is the lock's token
    it waited behind, and deferrals do not count against ``TRAIN_RETRIES``."""
    attempt = (task.request.retries or 0) - deferrals
    while True:
        try:
            run = registry.execute_run(run_id, task_id=task.request.id or "",
                                       retry=attempt < app_settings.TRAIN_RETRIES,
                                       defer=not task.request.is_eager, behind=behind)
            return None if run is None else run.status
        except registry.Deferred as exc:
            logger.info("%s", exc)
            raise task.retry(exc=exc, countdown=exc.countdown, max_retries=(task.request.retries or 0) + 1,
                             kwargs={**(task.request.kwargs or {}), "behind": exc.holder,
                                     "deferrals": deferrals + 1}) from exc
        except registry.RetryLater as exc:
            countdown = app_settings.RETRY_BACKOFF * 2 ** attempt
            if not task.request.is_eager:
                raise task.retry(exc=exc, countdown=countdown,
                                 max_retries=app_settings.TRAIN_RETRIES + deferrals) from exc
            time.sleep(countdown)
            attempt += 1


@shared_task(bind=True, acks_late=True, soft_time_limit=SOFT_LIMIT, time_limit=SOFT_LIMIT + 300)
def train_task(self, run_id, behind=None, deferrals=0):
    """Run queued TrainingRun ``run_id`` (idempotent: the run row is the key)."""
    return _train(self, run_id, behind, deferrals)


@shared_task(bind=True, soft_time_limit=SOFT_LIMIT, time_limit=SOFT_LIMIT + 300)
def retrain_task(self, kind, triggered_by="schedule", run_id=None, behind=None, deferrals=0):
    """Create and run a training run of ``kind`` in this worker (what the beat schedule calls); a retry runs the
    same run again."""
    if run_id is None:
        run_id = TrainingRun.objects.create(kind=kind, triggered_by=triggered_by).pk
        self.request.kwargs = {**(self.request.kwargs or {}), "run_id": run_id}
    return _train(self, run_id, behind, deferrals)


@shared_task
def fail_stale_runs_task():
    """Mark training runs whose worker died as failed."""
    return registry.fail_stale_runs()


@shared_task
def sweep_task():
    """Catch up after an outage: re-send runs whose enqueue failed, then each capability's missed work."""
    return {"runs": resend_runs(), **sweep.catch_up()}


def resend_runs():
    """Send again the queued runs that never reached the broker. Return how many were sent."""
    return sum(send_run(pk) is not None for pk in sweep.unsent_runs())


def send_run(run_id):
    """Send queued run ``run_id`` to a worker and record its task id; if the broker is down, log it and leave the
    run queued with no task id, for the sweep to send again. Never raises."""
    try:
        result = celery_setup.send(train_task, run_id)
    except Exception:
        logger.warning("could not send training run %s to a worker; the sweep will", run_id, exc_info=True)
        return None
    TrainingRun.objects.filter(pk=run_id, task_id="").update(task_id=result.id or "")
    return result


def enqueue_training(kind, *, triggered_by="manual", user=None):
    """Create a queued run of ``kind`` and send it to a worker once the current transaction commits."""
    run = TrainingRun.objects.create(kind=kind, triggered_by=triggered_by, triggered_by_user=user)
    transaction.on_commit(lambda: send_run(run.pk))
    return run

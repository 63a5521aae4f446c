"""Celery tasks. They are thin: each takes primary keys or names and calls a plain function that tests call directly.

``enqueue_training(kind)`` is how code queues a training run for a worker. Outcomes live in ``TrainingRun`` and
``ModelVersion`` rows, not in a result backend.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction

from . import registry
from .conf import app_settings
from .models import TrainingRun

TRANSIENT = (OperationalError, InterfaceError, ConnectionError)
SOFT_LIMIT = app_settings.TRAIN_TIME_LIMIT


@shared_task(
    bind=True, acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3,
    soft_time_limit=SOFT_LIMIT, time_limit=SOFT_LIMIT + 300,
)
def train_task(self, run_id):
    """Run queued TrainingRun ``run_id`` (idempotent: the run row is the key)."""
    run = registry.execute_run(run_id, task_id=self.request.id or "")
    return None if run is None else run.status


@shared_task(soft_time_limit=SOFT_LIMIT, time_limit=SOFT_LIMIT + 300)
def retrain_task(kind, triggered_by="schedule"):
    """Create and run a training run of ``kind`` in this worker (what the beat schedule calls)."""
    run = TrainingRun.objects.create(kind=kind, triggered_by=triggered_by)
    return registry.execute_run(run.pk).status


@shared_task
def fail_stale_runs_task():
    """Mark training runs whose worker died as failed."""
    return registry.fail_stale_runs()


def enqueue_training(kind, *, triggered_by="manual", user=None):
    """Create a queued run of ``kind`` and send it to a worker once the current transaction commits."""
    run = TrainingRun.objects.create(kind=kind, triggered_by=triggered_by, triggered_by_user=user)
    transaction.on_commit(lambda: train_task.delay(run.pk))
    return run

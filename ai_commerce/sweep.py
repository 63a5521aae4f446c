"""Catch up after an outage: nothing waits forever for a message that the broker never got.

``sweep()`` (the task ``ai_commerce.tasks.sweep_task``, scheduled every few minutes) re-sends queued training runs
whose enqueue failed (no task id after ``SWEEP_GRACE_SECONDS``), then runs each installed capability's ``sweeper``
(for sentiment: score the reviews that have no sentiment yet). It returns what it did, per part::

    {"runs": 1, "sentiment": 12}
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.module_loading import import_string

from . import capabilities
from .conf import app_settings
from .models import TrainingRun


def resend_runs(now=None):
    """Send again the queued runs that never reached the broker. Return how many were sent."""
    from .tasks import send_run

    before = (now or timezone.now()) - timedelta(seconds=app_settings.SWEEP_GRACE_SECONDS)
    unsent = TrainingRun.objects.filter(status=TrainingRun.Status.QUEUED, task_id="", created_at__lt=before)
    return sum(send_run(pk) is not None for pk in unsent.values_list("pk", flat=True))


def sweep(now=None):
    """Re-send unsent runs and run every capability's sweeper; return ``{part: count}``."""
    done = {"runs": resend_runs(now)}
    for capability in capabilities.installed():
        if capability.sweeper:
            done[capability.kind] = import_string(capability.sweeper)()
    return done

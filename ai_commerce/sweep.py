"""Catch up after an outage: nothing waits forever for a message that the broker never got.

The task ``ai_commerce.tasks.sweep_task`` (scheduled every few minutes) sends again the queued training runs whose
enqueue failed (``unsent_runs``: no task id after ``SWEEP_GRACE_SECONDS``), then runs ``catch_up()``: each installed
capability's ``sweeper`` (for sentiment, score the reviews that have no sentiment yet). It returns what it did::

    {"runs": 1, "sentiment": 12}
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.module_loading import import_string

from . import capabilities
from .conf import app_settings
from .models import TrainingRun


def unsent_runs(now=None):
    """The primary keys of queued runs that never reached the broker."""
    before = (now or timezone.now()) - timedelta(seconds=app_settings.SWEEP_GRACE_SECONDS)
    unsent = TrainingRun.objects.filter(status=TrainingRun.Status.QUEUED, task_id="", created_at__lt=before)
    return list(unsent.values_list("pk", flat=True))


def catch_up():
    """Run every installed capability's sweeper; return ``{kind: items done}``."""
    return {capability.kind: import_string(capability.sweeper)()
            for capability in capabilities.installed() if capability.sweeper}

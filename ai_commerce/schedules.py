"""Create the default django-celery-beat schedules once; afterwards admins own them.

Entries in ``CELERY_BEAT_SCHEDULE`` are rewritten at every beat start, so instead ``ensure_schedules()`` creates
``PeriodicTask`` rows with ``get_or_create``: a second run, or an admin's edit in between, is left alone.
"""

import json

from django.conf import settings

from . import capabilities
from .conf import app_settings

RETRAIN_TASK = "ai_commerce.tasks.retrain_task"


class ScheduleError(ValueError):
    pass


def parse_crontab(expression):
    parts = str(expression).split()
    if len(parts) != 5:
        raise ScheduleError(f"{expression!r} is not a crontab: write 'minute hour day-of-month month day-of-week'")
    return dict(zip(("minute", "hour", "day_of_month", "month_of_year", "day_of_week"), parts, strict=True))


def default_schedules():
    """Return ``{name: spec}``: each installed capability's retrain schedules, then ``AI_COMMERCE["SCHEDULES"]``
    (which adds schedules, or replaces one of the same name)."""
    retrains = {name: {"task": RETRAIN_TASK, "kind": capability.kind, "crontab": crontab}
                for capability in capabilities.installed() for name, crontab in capability.schedules.items()}
    return {**retrains, **app_settings.SCHEDULES}


def ensure_schedules():
    """Create missing periodic tasks from ``default_schedules()``. Return (created names, kept names)."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    created, kept = [], []
    for name, spec in default_schedules().items():
        kind = spec.get("kind")
        if kind and capabilities.get(kind) is None:
            continue
        if PeriodicTask.objects.filter(name=name).exists():
            kept.append(name)
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(**parse_crontab(spec["crontab"]),
                                                           timezone=settings.TIME_ZONE)
        PeriodicTask.objects.create(name=name, task=spec["task"], crontab=crontab,
                                    args=json.dumps([kind] if kind else []),
                                    description="Created by ai_commerce_setup_schedules; edit freely.")
        created.append(name)
    return created, kept

"""Create the default django-celery-beat schedules once; afterwards admins own them.

Entries in ``CELERY_BEAT_SCHEDULE`` are rewritten at every beat start, so instead ``ensure_schedules()`` creates
``PeriodicTask`` rows with ``get_or_create``: a second run, or an admin's edit in between, is left alone.
"""

import json

from django.apps import apps
from django.conf import settings

from .conf import app_settings


class ScheduleError(ValueError):
    pass


def parse_crontab(expression):
    parts = str(expression).split()
    if len(parts) != 5:
        raise ScheduleError(f"{expression!r} is not a crontab: write 'minute hour day-of-month month day-of-week'")
    return dict(zip(("minute", "hour", "day_of_month", "month_of_year", "day_of_week"), parts, strict=True))


def ensure_schedules():
    """Create missing periodic tasks from ``AI_COMMERCE["SCHEDULES"]``. Return (created names, kept names)."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    created, kept = [], []
    for name, spec in app_settings.SCHEDULES.items():
        kind = spec.get("kind")
        if kind and not apps.is_installed(f"ai_commerce.{kind}"):
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

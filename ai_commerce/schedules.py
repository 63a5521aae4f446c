"""Create the default django-celery-beat schedules once; afterwards admins own them.

Entries in ``CELERY_BEAT_SCHEDULE`` are rewritten at every beat start, so instead ``ensure_schedules()`` creates
``PeriodicTask`` rows with ``get_or_create``: a second run, or an admin's edit in between, is left alone.

A shop whose tasks run eagerly has no beat: ``cron_lines()`` gives the same schedules as crontab lines, each a
management command (``ai_commerce_train KIND`` for a retrain, ``ai_commerce_run_task TASK`` for the others).
"""

import json
import shlex

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
    """Return ``{name: spec}``: each installed capability's schedules (a crontab retrains it; a dict is a spec of its
    own, ``{"task": ..., "crontab": ...}``), then ``AI_COMMERCE["SCHEDULES"]``
    (which adds schedules, or replaces one of the same name)."""
    retrains = {name: dict(spec) if isinstance(spec, dict) else {"task": RETRAIN_TASK, "kind": capability.kind,
                                                                 "crontab": spec}
                for capability in capabilities.installed() for name, spec in capability.schedules.items()}
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


def command_of(spec):
    """The management command (a list of arguments) that runs a schedule's ``spec`` in-process."""
    if spec["task"] == RETRAIN_TASK:
        return ["ai_commerce_train", spec["kind"]]
    return ["ai_commerce_run_task", spec["task"], *([spec["kind"]] if spec.get("kind") else [])]


def cron_lines(manage_py, python):
    """Crontab lines (with a comment naming each schedule) that run every default schedule with ``python
    manage_py``, from the project folder, in the server's time zone. Raise ``ScheduleError`` for a bad crontab."""
    folder, lines = manage_py.parent, []
    for name, spec in default_schedules().items():
        kind = spec.get("kind")
        if kind and capabilities.get(kind) is None:
            continue
        fields = parse_crontab(spec["crontab"])
        command = shlex.join([str(python), str(manage_py), *command_of(spec)])
        lines += [f"# {name}", f"{' '.join(fields.values())} cd {shlex.quote(str(folder))} && {command}"]
    return lines

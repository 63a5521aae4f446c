from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from ai_commerce.schedules import default_schedules


class Command(BaseCommand):
    help = ("Run the task of one of ai_commerce's schedules in this process, now: what an eager shop's crontab calls "
            "(`ai_commerce_setup_schedules --cron` prints the lines).")

    def add_arguments(self, parser):
        parser.add_argument("task", help="The task's dotted name, e.g. ai_commerce.tasks.sweep_task.")
        parser.add_argument("args", nargs="*", help="Its arguments, as the schedule gives them.")

    def handle(self, *args, task, **options):
        known = sorted({spec["task"] for spec in default_schedules().values()})
        if task not in known:
            raise CommandError(f"{task!r} is not the task of a schedule; use one of {', '.join(known)}.")
        try:
            result = import_string(task).apply(args=list(args), throw=True)
        except Exception as exc:
            raise CommandError(f"{task} failed: {exc}") from exc
        self.stdout.write(f"{task}: {result.result}")

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ai_commerce.host_checks import runs_eagerly
from ai_commerce.schedules import ScheduleError, cron_lines, ensure_schedules


class Command(BaseCommand):
    help = ("Create the default django-celery-beat schedules (nightly retrains, janitor, sweep). Existing ones are "
            "kept. Where tasks run eagerly (no worker, no beat), print the crontab lines that run them instead.")

    def add_arguments(self, parser):
        parser.add_argument("--cron", action="store_true",
                            help="Print the crontab lines that run the schedules (what an eager shop needs).")
        parser.add_argument("--beat", action="store_true",
                            help="Create the beat schedules even though tasks run eagerly here (a shop about to "
                                 "start a worker and beat).")

    def handle(self, *args, cron=False, beat=False, **options):
        try:
            if cron or (runs_eagerly() and not beat):
                self._print_cron(explain=not cron)
                return
            created, kept = ensure_schedules()
        except ScheduleError as exc:
            raise CommandError(f"{exc} (fix AI_COMMERCE['SCHEDULES'])") from None
        for name in created:
            self.stdout.write(f"created: {name}")
        self.stdout.write(f"{len(created)} schedules created, {len(kept)} already there (left as they are).")

    def _print_cron(self, explain):
        started = Path(sys.argv[0])
        manage_py = started.resolve() if started.name == "manage.py" else Path.cwd() / "manage.py"
        lines = cron_lines(manage_py, Path(sys.executable))
        if explain:
            self.stderr.write("Tasks run eagerly here (CELERY_TASK_ALWAYS_EAGER), so no beat process would run beat "
                              "schedules: none were created. Add these lines to the crontab of the user that runs "
                              "the shop (crontab -e). --beat creates the beat schedules anyway.")
        zone = settings.TIME_ZONE
        header = (f"# ai_commerce's schedules, at times of TIME_ZONE {zone!r} (CRON_TZ={zone} where your cron reads "
                  "it; else shift them to the server's clock)")
        self.stdout.write("\n".join([header, *lines]))

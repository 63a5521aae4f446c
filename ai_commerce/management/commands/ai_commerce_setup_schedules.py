from django.core.management.base import BaseCommand, CommandError

from ai_commerce.schedules import ScheduleError, ensure_schedules


class Command(BaseCommand):
    help = "Create the default django-celery-beat schedules (nightly retrains, janitor). Existing ones are kept."

    def handle(self, *args, **options):
        try:
            created, kept = ensure_schedules()
        except ScheduleError as exc:
            raise CommandError(f"{exc} (fix AI_COMMERCE['SCHEDULES'])") from None
        for name in created:
            self.stdout.write(f"created: {name}")
        self.stdout.write(f"{len(created)} schedules created, {len(kept)} already there (left as they are).")

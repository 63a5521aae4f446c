from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from ai_commerce.adapter import MappingError
from ai_commerce.backfill import backfill, total_rows
from ai_commerce.progress import progress_bar


class Command(BaseCommand):
    help = "Import the shop's existing order lines and reviews into the ai_commerce event log. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--only", choices=["orders", "reviews"], help="Import only this source.")
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, only=None, batch_size=2000, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        sources = {"orders": only in (None, "orders"), "reviews": only in (None, "reviews")}
        try:
            total = total_rows(**sources)
            with progress_bar(total, "importing history") as bar:
                report = backfill(**sources, batch_size=batch_size, on_progress=bar.update)
        except (ImproperlyConfigured, MappingError) as exc:
            raise CommandError(f"{exc} (run `manage.py check` for the setting to fix)") from None
        if report.seen and not report.valid:
            raise CommandError(f"nothing could be imported: {report.summary()}; "
                               "check AI_COMMERCE['ORDER_LINE_FIELDS'] and ['REVIEW_FIELDS']")
        self.stdout.write(report.summary())

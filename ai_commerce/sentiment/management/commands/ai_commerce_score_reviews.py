from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from ai_commerce.adapter import MappingError, get_adapter
from ai_commerce.progress import progress_bar
from ai_commerce.sentiment.scoring import score_reviews


class Command(BaseCommand):
    help = "Score every existing review (label, score, aspects, flags) and refresh the product summaries."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size=500, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            adapter = get_adapter()
            if adapter.review_model is None:
                raise CommandError("no review model: set AI_COMMERCE['REVIEW_MODEL'] to score reviews")
            with progress_bar(adapter.count_reviews(), "scoring reviews") as bar:
                scored = score_reviews(batch_size=batch_size, on_progress=bar.update)
        except (ImproperlyConfigured, MappingError) as exc:
            raise CommandError(f"{exc} (run `manage.py check` for the setting to fix)") from None
        self.stdout.write(f"{scored} reviews scored.")

from functools import partial

from django.core.management.base import BaseCommand, CommandError

from ai_commerce import capabilities, registry, tasks
from ai_commerce.models import TrainingRun
from ai_commerce.progress import progress_bar


class BarReporter(registry.RunReporter):
    """Report to the TrainingRun row and to a progress bar on the terminal."""

    def __init__(self, run, heartbeat=None, *, bar):
        super().__init__(run, heartbeat)
        self.bar = bar

    def progress(self, percent, message=""):
        super().progress(percent, message)
        self.bar.set_description(message[:40])
        self.bar.update(self.run.progress - self.bar.n)


class Command(BaseCommand):
    help = "Train a capability's model now (recommendations, sentiment, pricing...), with progress; or --enqueue it."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=capabilities.kinds())
        parser.add_argument("--enqueue", action="store_true", help="Send the run to a Celery worker and return.")

    def handle(self, *args, kind, enqueue=False, **options):
        if enqueue:
            run = tasks.enqueue_training(kind, triggered_by="command")
            self.stdout.write(f"queued {run}")
            return
        run = TrainingRun.objects.create(kind=kind, triggered_by="command")
        with progress_bar(100, kind, unit="%") as bar:
            run = registry.execute_run(run.pk, reporter_class=partial(BarReporter, bar=bar))
            bar.set_description(run.status)
            bar.update(run.progress - bar.n)
        if run.status == TrainingRun.Status.FAILED:
            raise CommandError(f"{run}: {run.message}")
        self.stdout.write(f"{run}: {run.message}")

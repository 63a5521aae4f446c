from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from ai_commerce.adapter import MappingError
from ai_commerce.pricing import suggesting, workflow
from ai_commerce.pricing.models import ElasticityEstimate
from ai_commerce.progress import progress_bar


class Command(BaseCommand):
    help = "Suggest prices from the active pricing model under each product's policy, then auto-apply where allowed."

    def add_arguments(self, parser):
        parser.add_argument("--no-auto-apply", action="store_true", help="only suggest; apply nothing")

    def handle(self, *args, no_auto_apply=False, **options):
        try:
            version = suggesting.active_version()
            total = ElasticityEstimate.objects.filter(model_version=version).count()
            with progress_bar(total, "suggesting prices") as bar:
                counts = suggesting.suggest_prices(version, on_progress=bar.update)
        except suggesting.NoPricingModel as exc:
            raise CommandError(str(exc)) from None
        except (ImproperlyConfigured, MappingError) as exc:
            raise CommandError(f"{exc} (run `manage.py check` for the setting to fix)") from None
        summary = ", ".join(f"{n} {what}" for what, n in sorted(counts.items(), key=lambda kv: -kv[1]))
        self.stdout.write(f"{version}: {summary or 'no products'}.")
        if not no_auto_apply:
            applied, refused = workflow.auto_apply()
            self.stdout.write(f"{applied} auto-applied" + (f", {len(refused)} refused" if refused else "") + ".")

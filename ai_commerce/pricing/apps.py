from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PricingConfig(AppConfig):
    name = "ai_commerce.pricing"
    label = "ai_commerce_pricing"
    verbose_name = _("AI pricing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core import checks as django_checks

        from ai_commerce import registry
        from ai_commerce.checks import check_core_installed

        from . import checks

        django_checks.register(check_core_installed)
        django_checks.register(checks.check_pricing_settings)
        registry.register_trainer("pricing", "ai_commerce.pricing.training.train")
        # Pricing keeps nothing per customer (prices are per product), so there is nothing to forget.

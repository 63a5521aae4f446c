from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SentimentConfig(AppConfig):
    name = "ai_commerce.sentiment"
    label = "ai_commerce_sentiment"
    verbose_name = _("AI sentiment")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core import checks

        from ai_commerce.checks import check_core_installed

        checks.register(check_core_installed)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SentimentConfig(AppConfig):
    name = "ai_commerce.sentiment"
    label = "ai_commerce_sentiment"
    verbose_name = _("AI review sentiment")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core import checks as django_checks

        from ai_commerce import privacy, registry
        from ai_commerce.checks import check_core_installed

        from . import checks, receivers

        django_checks.register(check_core_installed)
        django_checks.register(checks.check_sentiment_settings)
        receivers.connect()
        registry.register_trainer("sentiment", "ai_commerce.sentiment.training.train")
        privacy.register_forgetter("sentiment", receivers.forget_user)

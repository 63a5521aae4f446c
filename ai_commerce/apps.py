from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AiCommerceConfig(AppConfig):
    name = "ai_commerce"
    verbose_name = _("AI commerce")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import celery_setup, checks, deferred, host_checks, privacy, signals  # noqa: F401  (registers checks)

        celery_setup.install()  # CELERY_* settings apply even without a project celery.py
        signals.connect_host_signals()
        deferred.connect()
        privacy.register_forgetter("events", privacy.forget_events)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommendationsConfig(AppConfig):
    name = "ai_commerce.recommendations"
    label = "ai_commerce_recommendations"
    verbose_name = _("AI recommendations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core import checks as django_checks
        from django.db.models.signals import post_save

        from ai_commerce import privacy, registry
        from ai_commerce.checks import check_core_installed
        from ai_commerce.models import ModelVersion

        from . import checks, receivers, serving

        django_checks.register(check_core_installed)
        django_checks.register(checks.check_recommendation_settings)
        receivers.connect()
        post_save.connect(serving.forget_active_version, sender=ModelVersion,
                          dispatch_uid="ai_commerce_recommendations_active_version")
        # The trainer imports TensorFlow, and only when a run starts in a worker.
        registry.register_trainer("recommendations", "ai_commerce.recommendations.training.train")
        privacy.register_forgetter("recommendations", receivers.forget_user)

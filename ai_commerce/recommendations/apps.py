from django.utils.translation import gettext_lazy as _

from ai_commerce import capabilities

from .key_metrics import KEY_METRIC, KEY_METRIC_LABEL, KEY_METRICS

__all__ = ["KEY_METRIC", "KEY_METRIC_LABEL", "RecommendationsConfig"]


class RecommendationsConfig(capabilities.CapabilityConfig):
    name = "ai_commerce.recommendations"
    label = "ai_commerce_recommendations"
    verbose_name = _("AI recommendations")
    kind = "recommendations"
    kind_label = _("recommendations")
    settings_key = "RECOMMENDATIONS"
    settings_defaults = "ai_commerce.recommendations.conf.DEFAULTS"
    settings_check = "ai_commerce.recommendations.checks.check_recommendation_settings"
    tunable = ("PARAMS", "PROMOTION_TOLERANCE", "TOP_K", "RELATED_K")
    # The trainer imports TensorFlow, and only when a run starts in a worker.
    trainer = "ai_commerce.recommendations.training.train"
    forgetter = "ai_commerce.recommendations.receivers.forget_user"
    schedules = {"ai_commerce: retrain recommendations nightly": "0 3 * * *"}
    key_metrics = KEY_METRICS  # the first is the one the gate compares (key_metrics.KEY_METRIC)
    dashboard_panel = "ai_commerce.recommendations.dashboard.panel"
    dashboard_template = "admin/ai_commerce_recommendations/dashboard_panel.html"
    urls = "ai_commerce.recommendations.urls"
    # The placements' lists for the merchandising preview, and how experiment arms do (a rule may be an arm), through
    # ai_commerce.arrangement.
    ranked_lists = "ai_commerce.recommendations.previews.ranked"
    arm_outcomes = "ai_commerce.recommendations.previews.arm_outcomes"

    def connect(self):
        from django.db.models.signals import post_delete, post_save

        from ai_commerce.models import ModelVersion

        from . import receivers, serving
        from .models import Experiment, ExperimentArm

        receivers.connect()
        post_save.connect(serving.forget_active_version, sender=ModelVersion,
                          dispatch_uid="ai_commerce_recommendations_active_version")
        for model in (Experiment, ExperimentArm):  # the served state says whether an experiment runs
            for signal in (post_save, post_delete):
                event = "saved" if signal is post_save else "deleted"
                uid = f"ai_commerce_recommendations_{model._meta.model_name}_{event}"
                signal.connect(serving.forget_active_version, sender=model, dispatch_uid=uid)

    def versions_in_use(self):
        """The versions of the arms of running experiments, and of drafts, which serve them once started."""
        from .models import Experiment, ExperimentArm

        arms = ExperimentArm.objects.filter(experiment__status__in=(Experiment.Status.DRAFT, Experiment.Status.RUNNING),
                                            version__isnull=False)
        return set(arms.values_list("version_id", flat=True))


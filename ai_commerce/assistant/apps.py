from django.utils.translation import gettext_lazy as _

from ai_commerce import capabilities


class AssistantConfig(capabilities.CapabilityConfig):
    name = "ai_commerce.assistant"
    label = "ai_commerce_assistant"
    verbose_name = _("AI shopping assistant")
    kind = "assistant"
    kind_label = _("shopping assistant")
    settings_key = "ASSISTANT"
    settings_defaults = "ai_commerce.assistant.conf.DEFAULTS"
    settings_check = "ai_commerce.assistant.checks.check_assistant_settings"
    tunable = ("CONFIDENCE_THRESHOLD", "RETRIEVAL_MIN_COVERAGE", "ANGER_WORDS")
    trainer = "ai_commerce.assistant.training.train"
    # Conversations are personal data: the shopper's messages, and what was answered about their orders.
    forgetter = "ai_commerce.assistant.privacy.forget_user"
    schedules = {"ai_commerce: retrain assistant nightly": "45 3 * * *",
                 "ai_commerce: prune old assistant conversations": {
                     "task": "ai_commerce.assistant.tasks.prune_conversations_task", "crontab": "15 4 * * *"}}
    key_metrics = ("accuracy", "centroid_accuracy", "answered_precision")
    dashboard_panel = "ai_commerce.assistant.dashboard.panel"
    dashboard_template = "admin/ai_commerce_assistant/dashboard_panel.html"
    urls = "ai_commerce.assistant.urls"

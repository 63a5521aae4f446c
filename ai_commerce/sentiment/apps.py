from django.utils.translation import gettext_lazy as _

from ai_commerce import capabilities


class SentimentConfig(capabilities.CapabilityConfig):
    name = "ai_commerce.sentiment"
    label = "ai_commerce_sentiment"
    verbose_name = _("AI review sentiment")
    kind = "sentiment"
    kind_label = _("sentiment")
    settings_key = "SENTIMENT"
    settings_defaults = "ai_commerce.sentiment.conf.DEFAULTS"
    settings_check = "ai_commerce.sentiment.checks.check_sentiment_settings"
    tunable = ("MIN_REVIEWS", "HOLDOUT", "MIN_HOLDOUT_REVIEWS", "ASPECTS", "ABUSIVE_WORDS", "STRONG_NEGATIVE",
               "MISMATCH")
    trainer = "ai_commerce.sentiment.training.train"
    forgetter = "ai_commerce.sentiment.receivers.forget_user"
    sweeper = "ai_commerce.sentiment.sweep.score_unscored"
    schedules = {"ai_commerce: retrain sentiment nightly": "30 3 * * *"}
    key_metrics = ("macro_f1", "accuracy", "lexicon_macro_f1")
    dashboard_panel = "ai_commerce.sentiment.dashboard.panel"
    dashboard_template = "admin/ai_commerce_sentiment/dashboard_panel.html"
    urls = "ai_commerce.sentiment.urls"
    # What reviews say of a product, through ai_commerce.review_insights: in detail for the assistant, and as each
    # product's average score and flagged reviews for merchandising rules.
    review_insights = "ai_commerce.sentiment.insights.provide"
    review_standing = "ai_commerce.sentiment.insights.standing"

    def connect(self):
        from . import receivers

        receivers.connect()

from django.utils.translation import gettext_lazy as _

from ai_commerce import capabilities


class PricingConfig(capabilities.CapabilityConfig):
    name = "ai_commerce.pricing"
    label = "ai_commerce_pricing"
    verbose_name = _("AI pricing")
    kind = "pricing"
    kind_label = _("pricing")
    settings_key = "PRICING"
    settings_defaults = "ai_commerce.pricing.conf.DEFAULTS"
    settings_check = "ai_commerce.pricing.checks.check_pricing_settings"
    tunable = ("HOLDOUT_DAYS", "MIN_HOLDOUT_PRODUCTS", "HOLDOUT_MAX_SHARE", "PROMOTION_TOLERANCE", "SUGGESTION_DAYS",
               "PERIOD_PRICE")
    trainer = "ai_commerce.pricing.training.train"
    # Pricing keeps nothing per customer (prices are per product), so there is nothing to forget.
    forgetter = None
    schedules = {"ai_commerce: retrain pricing weekly": "0 4 * * 1"}
    key_metrics = ("demand_skill", "no_price_effect_skill", "coverage")
    dashboard_panel = "ai_commerce.pricing.dashboard.panel"
    dashboard_template = "admin/ai_commerce_pricing/dashboard_panel.html"
    urls = "ai_commerce.pricing.urls"

    def connect(self):
        from . import receivers

        receivers.connect()

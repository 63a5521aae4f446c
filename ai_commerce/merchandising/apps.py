from django.utils.translation import gettext_lazy as _

from ai_commerce import capabilities


class MerchandisingConfig(capabilities.CapabilityConfig):
    name = "ai_commerce.merchandising"
    label = "ai_commerce_merchandising"
    verbose_name = _("AI merchandising")
    kind = "merchandising"
    kind_label = _("merchandising")
    settings_key = "MERCHANDISING"
    settings_defaults = "ai_commerce.merchandising.conf.DEFAULTS"
    settings_check = "ai_commerce.merchandising.checks.check_merchandising_settings"
    # Staff rules for every ranked list (recommendations, search, listings), through ai_commerce.arrangement. Nothing
    # trains: the rules are the shop's own, and their effect is measured by the recommendations experiments.
    arranger = "ai_commerce.merchandising.rules.ARRANGER"
    dashboard_panel = "ai_commerce.merchandising.dashboard.panel"
    dashboard_template = "admin/ai_commerce_merchandising/dashboard_panel.html"
    urls = "ai_commerce.merchandising.urls"

    def connect(self):
        from . import kept

        kept.connect()

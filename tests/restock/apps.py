"""A fourth capability that exists only in the tests: installed through INSTALLED_APPS alone, with no edit to the
core, it proves that the core knows no capability by name (registry, dashboard, tuning, schedules, forgetting)."""

from django.utils.translation import gettext_lazy as _

from ai_commerce import capabilities


class RestockConfig(capabilities.CapabilityConfig):
    name = "tests.restock"
    label = "restock"
    verbose_name = _("Demand restock (test capability)")
    kind = "restock"
    kind_label = _("demand restock")
    settings_key = "RESTOCK"
    settings_defaults = "tests.restock.conf.DEFAULTS"
    settings_check = "tests.restock.checks.check_restock_settings"
    tunable = ("HORIZON_DAYS",)
    trainer = "tests.restock.training.train"
    forgetter = "tests.restock.models.forget_user"
    schedules = {"restock: retrain nightly": "15 2 * * *"}
    key_metrics = ("skill", "mae", "naive_mae")
    dashboard_panel = "tests.restock.dashboard.panel"
    dashboard_template = "restock/dashboard_panel.html"
    urls = "tests.restock.urls"

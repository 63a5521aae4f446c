"""A fourth capability that exists only in the tests: installed through INSTALLED_APPS alone, with no edit to the
core, it proves that the core knows no capability by name (registry, dashboard, tuning, schedules, forgetting)."""

from django.utils.translation import gettext_lazy as _

from ai_commerce import capabilities


class ForecastConfig(capabilities.CapabilityConfig):
    name = "tests.forecast"
    label = "forecast"
    verbose_name = _("Demand forecast (test capability)")
    kind = "forecast"
    kind_label = _("demand forecast")
    settings_key = "FORECAST"
    settings_defaults = "tests.forecast.conf.DEFAULTS"
    settings_check = "tests.forecast.checks.check_forecast_settings"
    tunable = ("HORIZON_DAYS",)
    trainer = "tests.forecast.training.train"
    forgetter = "tests.forecast.models.forget_user"
    schedules = {"forecast: retrain nightly": "15 2 * * *"}
    key_metrics = ("skill", "mae", "naive_mae")
    dashboard_panel = "tests.forecast.dashboard.panel"
    dashboard_template = "forecast/dashboard_panel.html"
    urls = "tests.forecast.urls"

from django.utils.translation import gettext_lazy as _

from ai_commerce import capabilities


class ForecastConfig(capabilities.CapabilityConfig):
    name = "ai_commerce.forecast"
    label = "ai_commerce_forecast"
    verbose_name = _("AI demand forecast")
    kind = "forecast"
    kind_label = _("demand forecast")
    settings_key = "FORECAST"
    settings_defaults = "ai_commerce.forecast.conf.DEFAULTS"
    settings_check = "ai_commerce.forecast.checks.check_forecast_settings"
    tunable = ("HORIZON_DAYS", "BACKTEST_ORIGINS", "MIN_HISTORY_DAYS", "PROMOTION_TOLERANCE", "OVERSTOCK_DAYS")
    trainer = "ai_commerce.forecast.training.train"
    # The forecast keeps nothing per customer (demand, stock and reorders are per product; a reorder names the staff
    # member who placed it, as pricing's audit log does), so there is nothing to forget.
    forgetter = None
    schedules = {"ai_commerce: retrain forecast nightly": "30 3 * * *",
                 # A stock snapshot at the end of each day (days out of stock are censored), then reorders.
                 "ai_commerce: stock snapshot daily": {"task": "ai_commerce.forecast.tasks.snapshot_stock_task",
                                                       "crontab": "50 23 * * *"}}
    key_metrics = ("wrmsse_skill", "wrmsse", "coverage_80", "coverage_95")
    dashboard_panel = "ai_commerce.forecast.dashboard.panel"
    dashboard_template = "admin/ai_commerce_forecast/dashboard_panel.html"
    urls = "ai_commerce.forecast.urls"
    # Days of cover and expected stockouts, for pricing and recommendations through ai_commerce.stock_outlook.
    stock_outlook = "ai_commerce.forecast.outlook.provide"

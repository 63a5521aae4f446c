"""System checks of the demand forecast: its settings, and the shop fields it needs (order lines and stock).

Ids ``ai_commerce.E07x``/``W07x``, one per problem.
"""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from ai_commerce.conf import app_settings

#: Setting -> (lowest, highest, type, the check id of an out-of-range value).
RANGES = {"HORIZON_DAYS": (7, 120, int, "E070"), "BACKTEST_ORIGINS": (1, 12, int, "E071"),
          "ORIGIN_STEP_DAYS": (1, 120, int, "E072"), "MIN_HISTORY_DAYS": (14, 730, int, "E073"),
          "MIN_BACKTEST_PRODUCTS": (1, 100_000, int, "E074"), "PROMOTION_TOLERANCE": (0, 1, (int, float), "E075"),
          "OVERSTOCK_DAYS": (7, 3650, int, "E076")}


def check_forecast_settings(app_configs=None, conf=None, **kwargs):
    conf = app_settings.FORECAST if conf is None else conf
    errors = []
    for key, (low, high, kind, id_) in RANGES.items():
        value = conf.get(key)
        if isinstance(value, bool) or not isinstance(value, kind) or not low <= value <= high:
            errors.append(checks.Error(
                f"AI_COMMERCE['FORECAST'][{key!r}] = {value!r} is out of range.", hint=f"Use a number from {low} to "
                f"{high}.", obj="settings.AI_COMMERCE['FORECAST']", id=f"ai_commerce.{id_}"))
    horizon, history = conf.get("HORIZON_DAYS"), conf.get("MIN_HISTORY_DAYS")
    if not errors and history < 3 * horizon:
        errors.append(checks.Error(
            f"AI_COMMERCE['FORECAST']['MIN_HISTORY_DAYS'] = {history} is shorter than three horizons "
            f"({3 * horizon} days): the conformal intervals need two horizons of history before the forecast.",
            hint=f"Raise MIN_HISTORY_DAYS to {3 * horizon} or more, or shorten HORIZON_DAYS.",
            obj="settings.AI_COMMERCE['FORECAST']", id="ai_commerce.E077"))
    try:
        from ai_commerce.adapter import get_adapter

        adapter = get_adapter()
        missing_lines, missing_stock = adapter.order_line_model is None, not adapter.has("stock")
    except (ImproperlyConfigured, ImportError, ValueError):
        return errors  # the core checks report a broken mapping
    if missing_lines:
        errors.append(checks.Warning(
            "ai_commerce.forecast is installed but AI_COMMERCE['ORDER_LINE_MODEL'] is not set, so there is no "
            "demand to forecast.", hint="Set ORDER_LINE_MODEL and ORDER_LINE_FIELDS.",
            obj="settings.AI_COMMERCE", id="ai_commerce.W070"))
    if missing_stock:
        errors.append(checks.Warning(
            "ai_commerce.forecast is installed but the shop maps no product stock, so it cannot see stockouts nor "
            "suggest reorders.", hint="Map PRODUCT_FIELDS['stock'] to the product's stock field.",
            obj="settings.AI_COMMERCE", id="ai_commerce.W071"))
    return errors

"""System checks of smart pricing: its settings, and the shop fields it needs (order lines and a price).

Ids ``ai_commerce.E03x``/``W03x``, one per problem (one kind of mistake in one setting); E13x when they run out.
"""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from ai_commerce.conf import app_settings

#: Setting -> (lowest, highest, type, the check id of an out-of-range value).
RANGES = {"HOLDOUT_DAYS": (7, 365, int, "E030"), "MIN_HOLDOUT_PRODUCTS": (1, 100_000, int, "E031"),
          "HOLDOUT_MAX_SHARE": (0.05, 0.9, (int, float), "E032"), "PROMOTION_TOLERANCE": (0, 1, (int, float), "E033"),
          "SUGGESTION_DAYS": (1, 90, int, "E034")}


def check_pricing_settings(app_configs=None, conf=None, **kwargs):
    conf = app_settings.PRICING if conf is None else conf
    errors = []
    for key, (low, high, kind, id_) in RANGES.items():
        value = conf.get(key)
        if isinstance(value, bool) or not isinstance(value, kind) or not low <= value <= high:
            errors.append(checks.Error(
                f"AI_COMMERCE['PRICING'][{key!r}] = {value!r} is out of range.", hint=f"Use a number from {low} to "
                f"{high}.", obj="settings.AI_COMMERCE['PRICING']", id=f"ai_commerce.{id_}"))
    if conf.get("PERIOD_PRICE") not in ("mean", "mode"):
        errors.append(checks.Error(
            f"AI_COMMERCE['PRICING']['PERIOD_PRICE'] = {conf.get('PERIOD_PRICE')!r} is not a period price rule.",
            hint="Use 'mean' (the average paid) or 'mode' (the price most order lines paid, for quantity tiers).",
            obj="settings.AI_COMMERCE['PRICING']", id="ai_commerce.E035"))
    try:
        from ai_commerce.adapter import get_adapter

        adapter = get_adapter()
        missing_lines = adapter.order_line_model is None
    except (ImproperlyConfigured, ImportError, ValueError):
        return errors  # the core checks report a broken mapping
    if missing_lines:
        errors.append(checks.Warning(
            "ai_commerce.pricing is installed but AI_COMMERCE['ORDER_LINE_MODEL'] is not set, so there are no "
            "orders to learn demand from.", hint="Set ORDER_LINE_MODEL and ORDER_LINE_FIELDS (with unit_price).",
            obj="settings.AI_COMMERCE", id="ai_commerce.W030"))
    return errors

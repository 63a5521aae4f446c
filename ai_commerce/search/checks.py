"""System checks of search: its settings, and the product fields it searches.

Ids ``ai_commerce.E08x``/``W08x``, one per problem.
"""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from ai_commerce.conf import app_settings
from ai_commerce.throttling import parse_rate

#: Setting -> (lowest, highest, type, the check id of an out-of-range value).
RANGES = {"PAGE_SIZE": (1, 500, int, "E080"), "MAX_PAGE_SIZE": (1, 500, int, "E081"),
          "MAX_CANDIDATES": (10, 100_000, int, "E082"), "RERANK_DEPTH": (1, 10_000, int, "E083"),
          "MIN_SESSIONS": (5, 1_000_000, int, "E084"), "HOLDOUT_SHARE": (0.05, 0.5, (int, float), "E085"),
          "ATTRIBUTION_DAYS": (1, 90, int, "E086"), "REFRESH_SECONDS": (0, 3600, (int, float), "E087")}


def check_search_settings(app_configs=None, conf=None, **kwargs):
    conf = app_settings.SEARCH if conf is None else conf
    errors = []
    for key, (low, high, kind, id_) in RANGES.items():
        value = conf.get(key)
        if isinstance(value, bool) or not isinstance(value, kind) or not low <= value <= high:
            errors.append(checks.Error(
                f"AI_COMMERCE['SEARCH'][{key!r}] = {value!r} is out of range.",
                hint=f"Use a number from {low} to {high}.", obj="settings.AI_COMMERCE['SEARCH']",
                id=f"ai_commerce.{id_}"))
    blend = conf.get("RERANK_BLEND")
    if not isinstance(blend, dict) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1 for v in blend.values()):
        errors.append(checks.Error(
            f"AI_COMMERCE['SEARCH']['RERANK_BLEND'] = {blend!r} is not a dict of weights from 0 to 1.",
            hint='Use e.g. {"default": 0.5, "category": 0.3}.', obj="settings.AI_COMMERCE['SEARCH']",
            id="ai_commerce.E088"))
    share = conf.get("EXPLORE_SHARE")
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 0.2:
        errors.append(checks.Warning(
            f"AI_COMMERCE['SEARCH']['EXPLORE_SHARE'] = {share!r} is not a share from 0 to 0.2; searches swap "
            "nothing, and the trainer assumes the position bias instead of measuring it.",
            hint="Use a share from 0 to 0.2 (0.05 by default; 0 for no swaps).", obj="settings.AI_COMMERCE['SEARCH']",
            id="ai_commerce.W081"))
    rate = conf.get("THROTTLE_RATE")
    if rate is not None:
        try:
            parse_rate(rate)
        except ValueError:
            errors.append(checks.Error(
                f"AI_COMMERCE['SEARCH']['THROTTLE_RATE'] = {rate!r} is not a rate.",
                hint='Use "N/period" with period s, min, hour or day (e.g. "300/min"), or None for no limit.',
                obj="settings.AI_COMMERCE['SEARCH']", id="ai_commerce.E089"))
    try:
        from ai_commerce.adapter import get_adapter

        adapter = get_adapter()
        searchable = [a for a in ("description", "category") if adapter.has(a)]
    except (ImproperlyConfigured, ImportError, ValueError):
        return errors  # the core checks report a broken mapping
    if not searchable:
        errors.append(checks.Warning(
            "ai_commerce.search is installed but the shop maps neither a product description nor a category, so "
            "search reads titles only.", hint="Map PRODUCT_FIELDS['description'] and PRODUCT_FIELDS['category'].",
            obj="settings.AI_COMMERCE", id="ai_commerce.W080"))
    return errors

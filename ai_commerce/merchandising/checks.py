"""System checks of merchandising: its settings.

Ids ``ai_commerce.E150``-``E159`` and ``W150``-``W159``, one per problem.
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from ai_commerce.conf import app_settings

OBJ = "settings.AI_COMMERCE['MERCHANDISING']"


def _number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_merchandising_settings(app_configs=None, conf=None, **kwargs):
    conf = app_settings.MERCHANDISING if conf is None else conf
    errors = []
    alias = conf.get("CACHE")
    if alias not in settings.CACHES:
        errors.append(checks.Error(
            f"AI_COMMERCE['MERCHANDISING']['CACHE'] = {alias!r} is not an alias of CACHES.",
            hint=f"Use one of {', '.join(map(repr, settings.CACHES))}; the rules are cached there between lists.",
            obj=OBJ, id="ai_commerce.E150"))
    seconds = conf.get("CACHE_SECONDS")
    if not isinstance(seconds, int) or isinstance(seconds, bool) or not 1 <= seconds <= 86_400:
        errors.append(checks.Error(
            f"AI_COMMERCE['MERCHANDISING']['CACHE_SECONDS'] = {seconds!r} is not a whole number from 1 to 86400.",
            hint="The default is 300; a saved rule takes effect at once whatever it is (saving drops the cache).",
            obj=OBJ, id="ai_commerce.E151"))
    bands = conf.get("PRICE_BANDS")
    if not isinstance(bands, list | tuple) or not bands or not all(_number(b) and b > 0 for b in bands) or list(
            bands) != sorted(set(bands)):
        errors.append(checks.Error(
            f"AI_COMMERCE['MERCHANDISING']['PRICE_BANDS'] = {bands!r} is not a rising list of prices above 0.",
            hint="List the upper edges of the price bands, e.g. [10, 25, 50, 100, 250].", obj=OBJ,
            id="ai_commerce.E152"))
    depth = conf.get("DIVERSIFY_DEPTH")
    if not isinstance(depth, int) or isinstance(depth, bool) or not 3 <= depth <= 500:
        errors.append(checks.Error(
            f"AI_COMMERCE['MERCHANDISING']['DIVERSIFY_DEPTH'] = {depth!r} is not a whole number from 3 to 500.",
            hint="The default is 50: diversify reorders a list's first 50 products.", obj=OBJ,
            id="ai_commerce.E153"))
    try:
        from ai_commerce.adapter import get_adapter

        adapter = get_adapter()
        missing = [a for a in ("category", "price", "stock", "created") if not adapter.has(a)]
    except (ImproperlyConfigured, ImportError, ValueError):
        return errors  # the core checks report a broken mapping
    if missing:
        errors.append(checks.Warning(
            f"ai_commerce.merchandising is installed but the shop maps no product {', '.join(missing)}, so rules "
            "with a condition on them never match.",
            hint="Map them in PRODUCT_FIELDS (e.g. 'created': 'date_created' for 'new within N days').",
            obj="settings.AI_COMMERCE", id="ai_commerce.W150"))
    return errors

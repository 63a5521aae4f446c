"""System checks of recommendations: their settings, and the engine's hyperparameter names.

Ids ``ai_commerce.E04x``, one per problem (one kind of mistake in one setting); E14x when they run out.
"""

from django.core import checks

from ai_commerce.checks import is_cache_alias
from ai_commerce.conf import app_settings
from ai_commerce.throttling import parse_rate

#: Setting -> (lowest, highest, the check id of a value that is not a whole number in that range).
COUNTS = {"TOP_K": (1, 500, "E040"), "RELATED_K": (1, 200, "E043"), "CHUNK_SIZE": (10, 100_000, "E044"),
          "CACHE_SECONDS": (0, 86_400, "E045")}


def _error(msg, hint, id_):
    return checks.Error(msg, hint=hint, obj="settings.AI_COMMERCE['RECOMMENDATIONS']", id=f"ai_commerce.{id_}")


def check_recommendation_settings(app_configs=None, conf=None, **kwargs):
    conf = app_settings.RECOMMENDATIONS if conf is None else conf
    errors = []
    for key, (low, high, id_) in COUNTS.items():
        value = conf.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors.append(_error(f"AI_COMMERCE['RECOMMENDATIONS'][{key!r}] = {value!r} is out of range.",
                                 f"Use a whole number from {low} to {high}.", id_))
    tolerance = conf.get("PROMOTION_TOLERANCE")
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not 0 <= tolerance <= 1:
        errors.append(_error(f"AI_COMMERCE['RECOMMENDATIONS']['PROMOTION_TOLERANCE'] = {tolerance!r} is out of "
                             "range.", "Use a number from 0 to 1 (0.0 by default).", "E046"))
    if not is_cache_alias(conf.get("CACHE")):
        errors.append(_error(f"AI_COMMERCE['RECOMMENDATIONS']['CACHE'] = {conf.get('CACHE')!r} is not a cache alias.",
                             "Name one of settings.CACHES, e.g. 'default'.", "E041"))
    if conf.get("FAN_OUT") and not _result_backend():
        errors.append(_error("AI_COMMERCE['RECOMMENDATIONS']['FAN_OUT'] is on, but Celery has no result backend, so "
                             "the chord of chunk tasks cannot tell when every chunk is done.",
                             "Set CELERY_RESULT_BACKEND (e.g. your Redis broker's URL), or turn FAN_OUT off.", "E048"))
    if not isinstance(conf.get("DEMOTE_RUNNING_OUT"), bool):
        errors.append(_error(f"AI_COMMERCE['RECOMMENDATIONS']['DEMOTE_RUNNING_OUT'] = "
                             f"{conf.get('DEMOTE_RUNNING_OUT')!r} is not True or False.",
                             "True (the default) moves products the forecast expects to run out within "
                             "RUNNING_OUT_DAYS to the end of each list; False leaves lists as ranked.", "E149"))
    if not isinstance(conf.get("BUY_AGAIN", True), bool):
        errors.append(_error(f"AI_COMMERCE['RECOMMENDATIONS']['BUY_AGAIN'] = {conf.get('BUY_AGAIN')!r} is not True or "
                             "False.", "True (the default) trains and serves the buy-it-again placement where it "
                             "beats each shopper's most often bought products; False turns it off.", "E144"))
    for key in ("CLICK_RATE", "IMPRESSION_RATE"):
        rate = conf.get(key)
        try:
            parse_rate(rate if rate is not None else "1/s")
        except ValueError:
            errors.append(_error(f"AI_COMMERCE['RECOMMENDATIONS'][{key!r}] = {rate!r} is not a rate.",
                                 "Write it as 'N/period' with period s, min, hour or day (e.g. '30/min'), or None "
                                 "for no limit.", "E143"))
    params = conf.get("PARAMS")
    if not isinstance(params, dict):
        errors.append(_error("AI_COMMERCE['RECOMMENDATIONS']['PARAMS'] must be a dict of hyperparameters.",
                             "e.g. {'epochs': 5}; see ai_commerce.recommendations.engine.default_params().", "E042"))
    else:
        from .engine.params import DEFAULTS

        unknown = sorted(set(params) - set(DEFAULTS))
        if unknown:
            errors.append(_error(f"AI_COMMERCE['RECOMMENDATIONS']['PARAMS'] has unknown hyperparameters {unknown}.",
                                 f"Known: {', '.join(sorted(DEFAULTS))}.", "E047"))
        errors += check_event_kinds({**DEFAULTS, **params})
    return errors


def check_event_kinds(params):
    """The event kinds that weigh and count as purchases must be kinds of the event log, and a purchase-like kind
    must weigh something (else the purchase-based sources have no data)."""
    from .engine.data import KINDS

    weights, positive, at = params.get("kind_weights"), params.get("positive_kinds"), params.get("rating_positive_at")
    hint = (f"Kinds are {', '.join(KINDS)}; e.g. PARAMS = {{'positive_kinds': ['purchase', 'rating'], "
            "'rating_positive_at': 4, 'kind_weights': {'purchase': 1.0, 'rating': 0.6, 'view': 0.15}}.")
    where = "AI_COMMERCE['RECOMMENDATIONS']['PARAMS']"
    errors = []
    if not isinstance(weights, dict) or any(k not in KINDS or isinstance(w, bool) or not isinstance(w, int | float)
                                            or w < 0 for k, w in weights.items()):
        errors.append(_error(f"{where}['kind_weights'] = {weights!r} must map event kinds to weights of 0 or more.",
                             hint, "E049"))
    elif (isinstance(positive, list | tuple) and positive and set(positive) <= set(KINDS)
          and not any(weights.get(k, 0) > 0 for k in positive)):
        errors.append(_error(f"Every kind of {where}['positive_kinds'] {list(positive)} weighs 0 in kind_weights, so "
                             "popularity, co-purchase and trending would have no data.", hint, "E141"))
    if not isinstance(positive, list | tuple) or not positive or any(k not in KINDS for k in positive):
        errors.append(_error(f"{where}['positive_kinds'] = {positive!r} must be a non-empty list of event kinds.",
                             hint, "E140"))
    if isinstance(at, bool) or not isinstance(at, int | float) or not 1 <= at <= 5:
        errors.append(_error(f"{where}['rating_positive_at'] = {at!r} must be a number of stars from 1 to 5.",
                             "A rating of at least this many stars counts as a purchase when 'rating' is in "
                             "positive_kinds; 4 by default.", "E142"))
    return errors


def _result_backend():
    """The current Celery app's result backend, or None (eager mode needs none)."""
    from celery import current_app

    if current_app.conf.task_always_eager:
        return "eager"
    backend = current_app.conf.result_backend
    return None if backend in (None, "", "disabled") else backend

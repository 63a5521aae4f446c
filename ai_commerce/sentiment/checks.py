"""System checks of review sentiment: the aspect lexicon, the abusive word list and the thresholds.

Ids ``ai_commerce.E02x``, one per problem (one kind of mistake in one setting); E12x when they run out.
"""

from django.core import checks

from ai_commerce.checks import is_cache_alias
from ai_commerce.conf import app_settings

from .aspects import validate_aspects

#: (setting, lowest, highest, the check id of an out-of-range value).
THRESHOLDS = (("STRONG_NEGATIVE", -1, 0, "E022"), ("MISMATCH", -1, 0, "E025"), ("HOLDOUT", 0.05, 0.5, "E026"))


def _error(msg, hint, id_):
    return checks.Error(msg, hint=hint, obj="settings.AI_COMMERCE['SENTIMENT']", id=f"ai_commerce.{id_}")


def check_sentiment_settings(app_configs=None, conf=None, **kwargs):
    conf = app_settings.SENTIMENT if conf is None else conf
    errors = [
        _error(f"AI_COMMERCE['SENTIMENT']['ASPECTS']: {problem}.",
               "Give {'aspect': ['keyword', ...]}, e.g. {'fit': ['snug', 'roomy']}.", "E020")
        for problem in (validate_aspects(conf["ASPECTS"]) if conf.get("ASPECTS") != {} else [])
    ]
    words = conf.get("ABUSIVE_WORDS")
    if not (isinstance(words, list | tuple) and all(isinstance(w, str) and w.strip() for w in words)):
        errors.append(_error("AI_COMMERCE['SENTIMENT']['ABUSIVE_WORDS'] must be a list of non-empty strings.",
                             "e.g. ['scam', 'idiot']; an empty list turns the abusive flag off.", "E021"))
    for key, low, high, id_ in THRESHOLDS:
        value = conf.get(key)
        if not (isinstance(value, int | float) and low <= value <= high):
            errors.append(_error(f"AI_COMMERCE['SENTIMENT'][{key!r}] = {value!r} is out of range.",
                                 f"Use a number from {low} to {high}.", id_))
    minimum = conf.get("MIN_REVIEWS")
    if not (isinstance(minimum, int) and minimum >= 10):
        errors.append(_error(f"AI_COMMERCE['SENTIMENT']['MIN_REVIEWS'] = {minimum!r} is too small.",
                             "Train on at least 10 star-rated reviews (200 by default).", "E023"))
    judged = conf.get("MIN_HOLDOUT_REVIEWS")
    if isinstance(judged, bool) or not (isinstance(judged, int) and judged >= 5):
        errors.append(_error(f"AI_COMMERCE['SENTIMENT']['MIN_HOLDOUT_REVIEWS'] = {judged!r} is too small.",
                             "Judge a model on at least 5 held-out reviews (50 by default).", "E027"))
    status = conf.get("HOST_STATUS")
    if not (isinstance(status, dict) and set(status) <= {"flagged", "approved", "hidden", "published"}):
        errors.append(_error("AI_COMMERCE['SENTIMENT']['HOST_STATUS'] must map flagged/approved/hidden/published to "
                             "the host's status values.",
                             "e.g. {'published': 'published', 'flagged': 'pending', 'hidden': 'hidden'}", "E024"))
    if not is_cache_alias(conf.get("CACHE")):
        errors.append(_error(f"AI_COMMERCE['SENTIMENT']['CACHE'] = {conf.get('CACHE')!r} is not a cache alias.",
                             "Name one of settings.CACHES, e.g. 'default'.", "E028"))
    seconds = conf.get("CACHE_SECONDS")
    if isinstance(seconds, bool) or not (isinstance(seconds, int) and 0 <= seconds <= 86_400):
        errors.append(_error(f"AI_COMMERCE['SENTIMENT']['CACHE_SECONDS'] = {seconds!r} is out of range.",
                             "Use a whole number from 0 to 86400 (300 by default; 0 reads the database).", "E029"))
    if not isinstance(conf.get("SUMMARY_VERIFIED_ONLY"), bool):
        errors.append(_error(f"AI_COMMERCE['SENTIMENT']['SUMMARY_VERIFIED_ONLY'] = "
                             f"{conf.get('SUMMARY_VERIFIED_ONLY')!r} is not a boolean.",
                             "Use True (summaries count verified buyers only) or False (the default).", "E120"))
    errors.extend(_fraud_errors(conf.get("FRAUD")))
    return errors


#: SENTIMENT["FRAUD"] keys: (lowest, highest, whole number).
FRAUD_RANGES = {"BURST_REVIEWS": (2, 10_000, True), "BURST_HOURS": (1, 24 * 365, False),
                "BURST_RATIO": (1, 1000, False), "ONE_SIDED_REVIEWS": (2, 10_000, True),
                "ONE_SIDED_GAP": (0.5, 4, False), "NON_BUYER_MIN_BUYERS": (1, 10**9, True),
                "NEAR_DUPLICATE": (0.1, 1, False), "MIN_DUPLICATE_WORDS": (3, 10_000, True),
                "ACCOUNT_BURST_REVIEWS": (2, 10_000, True), "ACCOUNT_BURST_HOURS": (1, 24 * 365, False)}


def _fraud_errors(fraud):
    if not isinstance(fraud, dict) or not set(fraud) <= set(FRAUD_RANGES):
        return [_error("AI_COMMERCE['SENTIMENT']['FRAUD'] must be a dict of known thresholds.",
                       f"Use some of {', '.join(FRAUD_RANGES)}, e.g. {{'BURST_REVIEWS': 8}}.", "E121")]
    errors = []
    for key, value in fraud.items():
        low, high, whole = FRAUD_RANGES[key]
        kind = int if whole else int | float
        if isinstance(value, bool) or not isinstance(value, kind) or not low <= value <= high:
            errors.append(_error(f"AI_COMMERCE['SENTIMENT']['FRAUD'][{key!r}] = {value!r} is out of range.",
                                 f"Use a {'whole ' if whole else ''}number from {low} to {high}.", "E122"))
    return errors

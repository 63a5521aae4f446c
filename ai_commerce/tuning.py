"""Staff's tuning of a capability (``Tuning.values``): what the next run uses, validated like the settings file.

``tuned("PRICING")`` is the capability's settings with staff's admin overrides on top; ``problems(kind, values)``
checks a tuning with the same system checks as the settings file.
"""

from django.apps import apps
from django.utils.module_loading import import_string

from .conf import app_settings
from .models import Tuning

CHECKS = {
    "recommendations": "ai_commerce.recommendations.checks.check_recommendation_settings",
    "sentiment": "ai_commerce.sentiment.checks.check_sentiment_settings",
    "pricing": "ai_commerce.pricing.checks.check_pricing_settings",
}


def problems(kind, values):
    """Return one sentence per problem of ``values`` as the tuning of ``kind`` (empty when it is usable)."""
    if not isinstance(values, dict):
        return ["Give a JSON object of setting names to values, e.g. {\"MIN_REVIEWS\": 300}."]
    allowed = Tuning.TUNABLE.get(kind, ())
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        return [f"{', '.join(unknown)} cannot be tuned here; the keys are {', '.join(allowed)}."]
    if not apps.is_installed(f"ai_commerce.{kind}"):
        return [f"ai_commerce.{kind} is not installed."]
    merged = {**getattr(app_settings, kind.upper()), **values}
    found = import_string(CHECKS[kind])(conf=merged)
    return [f"{m.msg} {m.hint}".replace("AI_COMMERCE", "The tuning") for m in found if m.level >= 40]


def tuned(name):
    """Return ``app_settings.<name>`` ("RECOMMENDATIONS", "SENTIMENT" or "PRICING") with staff's admin overrides
    (``Tuning``) on top: what the next training or scoring run uses. One query."""
    values = Tuning.objects.filter(kind=name.lower()).values_list("values", flat=True).first() or {}
    allowed = Tuning.TUNABLE[name.lower()]
    return {**getattr(app_settings, name), **{k: v for k, v in values.items() if k in allowed}}

"""Staff's tuning of a capability (``Tuning.values``): what the next run uses, validated like the settings file.

``tuned("pricing")`` (or ``tuned("PRICING")``, the settings key) is the capability's settings with staff's admin
overrides on top; ``problems(kind, values)`` checks a tuning with the capability's own settings check. What a
capability lets staff tune is its ``CapabilityConfig.tunable``.
"""

from . import capabilities
from .conf import app_settings
from .models import Tuning


def _capability(name):
    return capabilities.get(name) or capabilities.by_settings_key(name)


def problems(kind, values):
    """Return one sentence per problem of ``values`` as the tuning of ``kind`` (empty when it is usable)."""
    if not isinstance(values, dict):
        return ["Give a JSON object of setting names to values, e.g. {\"MIN_REVIEWS\": 300}."]
    capability = capabilities.get(kind)
    if capability is None:
        return [f"{kind} is not an installed capability."]
    allowed = tuple(capability.tunable)
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        return [f"{', '.join(unknown)} cannot be tuned here; the keys are {', '.join(allowed)}."]
    merged = {**getattr(app_settings, capability.settings_key), **values}
    found = capability.check_settings(conf=merged)
    return [f"{m.msg} {m.hint}".replace("AI_COMMERCE", "The tuning") for m in found if m.level >= 40]


def tuned(name):
    """Return the settings of capability ``name`` (its kind or settings key) with staff's admin overrides
    (``Tuning``) on top: what the next training or scoring run uses. One query."""
    capability = _capability(name)
    values = Tuning.objects.filter(kind=capability.kind).values_list("values", flat=True).first() or {}
    allowed = capability.tunable
    return {**getattr(app_settings, capability.settings_key), **{k: v for k, v in values.items() if k in allowed}}

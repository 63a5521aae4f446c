"""System checks of the shopping assistant: its settings, and the order mapping it needs. Ids
``ai_commerce.E096``-``E099`` and ``W096``-``W098`` (``E090``-``E095`` are the core's ``ORDER_FIELDS`` checks).
A broken anger list or rephrase hook is a warning: the assistant then uses its built-in words, and does not
rephrase."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ai_commerce.conf import app_settings
from ai_commerce.throttling import parse_rate

#: Setting -> (lowest, highest, type, the check id of an out-of-range value).
RANGES = {"CONFIDENCE_THRESHOLD": (0, 1, (int, float), "E096"), "RETRIEVAL_MIN_COVERAGE": (0, 1, (int, float), "E097"),
          "RETENTION_DAYS": (1, 3650, int, "E098")}
OBJ = "settings.AI_COMMERCE['ASSISTANT']"


def anger_words_valid(words):
    return isinstance(words, list | tuple) and all(isinstance(w, str) and w.strip() for w in words)


def rephraser(path):
    """The callable ``REPHRASE`` names, or None when it names none."""
    try:
        found = import_string(path) if isinstance(path, str) else None
    except ImportError:
        return None
    return found if callable(found) else None


def check_assistant_settings(app_configs=None, conf=None, **kwargs):
    conf = app_settings.ASSISTANT if conf is None else conf
    errors = []
    for key, (low, high, kind, id_) in RANGES.items():
        value = conf.get(key)
        if isinstance(value, bool) or not isinstance(value, kind) or not low <= value <= high:
            errors.append(checks.Error(f"AI_COMMERCE['ASSISTANT'][{key!r}] = {value!r} is out of range.",
                                       hint=f"Use a number from {low} to {high}.", obj=OBJ, id=f"ai_commerce.{id_}"))
    if not anger_words_valid(conf.get("ANGER_WORDS")):
        errors.append(checks.Warning("AI_COMMERCE['ASSISTANT']['ANGER_WORDS'] is not a list of words, so the "
                                     "built-in list is used.",
                                     hint="Give words or short phrases, e.g. ['furious', 'fed up'].", obj=OBJ,
                                     id="ai_commerce.W097"))
    try:
        parse_rate(conf.get("THROTTLE_RATE"))
    except (ValueError, TypeError, AttributeError):
        errors.append(checks.Error(f"AI_COMMERCE['ASSISTANT']['THROTTLE_RATE'] = {conf.get('THROTTLE_RATE')!r} is "
                                   "not a rate.", hint="Use DRF's syntax, e.g. '20/min'.", obj=OBJ,
                                   id="ai_commerce.E099"))
    hook = conf.get("REPHRASE")
    if hook is not None and rephraser(hook) is None:
        errors.append(checks.Warning(f"AI_COMMERCE['ASSISTANT']['REPHRASE'] = {hook!r} is not the dotted path of a "
                                     "callable, so answers are not rephrased.",
                                     hint="Name a function (answer_text, rows) -> text, or None.", obj=OBJ,
                                     id="ai_commerce.W098"))
    try:
        from ai_commerce.adapter import get_adapter

        adapter = get_adapter()
        no_orders = adapter.order_model is None
    except (ImproperlyConfigured, ImportError, ValueError):
        return errors
    if no_orders:
        errors.append(checks.Warning(
            "ai_commerce.assistant is installed but AI_COMMERCE['ORDER_MODEL'] is not set, so it cannot answer "
            "questions about orders (it hands them over).",
            hint="Set ORDER_MODEL and ORDER_FIELDS (number, user, email, status, created, shipped, tracking).",
            obj="settings.AI_COMMERCE", id="ai_commerce.W096"))
    return errors

"""System checks: every misconfiguration we can detect is reported at startup with an id and a hint.

Registered in ``AiCommerceConfig.ready()``. Ids: ``ai_commerce.E0xx`` for errors, ``ai_commerce.W0xx`` for warnings,
one id per problem (one kind of mistake in one setting) so that ``SILENCED_SYSTEM_CHECKS`` can target exactly one.
The core's ids are E001-E019 and W001-W019, continued in E100-E119; docs/checks.md lists them all.
"""

import difflib

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.module_loading import import_string

from .adapter import (
    ORDER_ATTRIBUTES,
    ORDER_LINE_ATTRIBUTES,
    PRODUCT_ATTRIBUTES,
    REQUIRED,
    REVIEW_ATTRIBUTES,
    FieldPath,
    MappingError,
    ShopAdapter,
)
from .conf import PRODUCT_MODEL_SETTING, app_settings, get_model_setting, get_product_model
from .retention import keep_problem  # loaded in ready(), so every worker also knows prune_versions_task
from .throttling import trusted_networks

PROCESS_LOCAL_CACHES = ("django.core.cache.backends.locmem.LocMemCache",)
NON_STORING_CACHES = ("django.core.cache.backends.dummy.DummyCache",)
THROTTLE_PERIODS = ("s", "sec", "m", "min", "h", "hour", "d", "day")
#: Each field mapping: its model setting (None: the product model), its attributes, and the check id of each kind of
#: mistake in it (not_dict, unknown attributes, model setting unusable, required attribute unmapped, path does not
#: resolve, path crosses a to-many relation, 'product' points elsewhere, 'price' not a DecimalField).
MAPPINGS = {
    "PRODUCT_FIELDS": (None, PRODUCT_ATTRIBUTES,
                       {"not_dict": "E003", "unknown": "E103", "path": "E004", "price": "W003"}),
    "ORDER_LINE_FIELDS": ("ORDER_LINE_MODEL", ORDER_LINE_ATTRIBUTES,
                          {"not_dict": "E101", "unknown": "E104", "model": "E005", "required": "E007", "path": "E106",
                           "to_many": "E009", "product": "E008"}),
    "ORDER_FIELDS": ("ORDER_MODEL", ORDER_ATTRIBUTES,
                     {"not_dict": "E090", "unknown": "E091", "model": "E092", "required": "E093", "path": "E094",
                      "to_many": "E095"}),
    "REVIEW_FIELDS": ("REVIEW_MODEL", REVIEW_ATTRIBUTES,
                      {"not_dict": "E102", "unknown": "E105", "model": "E017", "required": "E018", "path": "E107",
                       "to_many": "E100", "product": "E019"}),
}


def _error(msg, hint, id_, level=checks.Error):
    return level(msg, hint=hint, obj="settings.AI_COMMERCE", id=f"ai_commerce.{id_}")


@checks.register()
def check_settings_shape(app_configs=None, **kwargs):
    raw = getattr(settings, "AI_COMMERCE", {})
    if not isinstance(raw, dict):
        return [_error("AI_COMMERCE must be a dict.", "Set AI_COMMERCE = {...}; see docs/settings.md.",
                       "E002")]
    errors = []
    known = app_settings.known_keys()  # the core's keys and the installed capabilities' settings keys
    for key in raw:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = (f"Did you mean {close[0]!r}?" if close else
                    "Remove it, or install the capability whose settings it holds (docs/settings.md lists them all).")
            errors.append(_error(f"AI_COMMERCE has an unknown key {key!r}.", hint, "W002", checks.Warning))
    return errors


@checks.register()
def check_product_model(app_configs=None, **kwargs):
    try:
        get_product_model()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), hint=f"Set {PRODUCT_MODEL_SETTING} = 'app_label.ModelName' to the shop's "
                             "product model, e.g. 'catalog.Product'.", id="ai_commerce.E001")]
    return []


@checks.register()
def check_adapter(app_configs=None, **kwargs):
    path = app_settings.ADAPTER
    try:
        adapter_class = import_string(path)
    except ImportError as exc:
        return [_error(f"AI_COMMERCE['ADAPTER'] = {path!r} cannot be imported: {exc}.",
                       "Give the dotted path of a ShopAdapter subclass.", "E006")]
    if not (isinstance(adapter_class, type) and issubclass(adapter_class, ShopAdapter)):
        return [_error(f"AI_COMMERCE['ADAPTER'] = {path!r} is not a subclass of ai_commerce.adapter.ShopAdapter.",
                       "Subclass ShopAdapter and override only what differs.", "E016")]
    return []


@checks.register()
def check_price_format(app_configs=None, **kwargs):
    path = app_settings.PRICE_FORMAT
    if path is None:
        return []
    try:
        formatter = import_string(path) if isinstance(path, str) else None
    except ImportError as exc:
        formatter = exc
    if not callable(formatter):
        return [_error(f"AI_COMMERCE['PRICE_FORMAT'] = {path!r} is not the dotted path of a callable"
                       + (f" ({formatter})." if isinstance(formatter, Exception) else "."),
                       "Name a function price -> text, e.g. 'ai_commerce.contrib.oscar.format_price', or None for "
                       "two decimals.", "E060")]
    return []


@checks.register()
def check_field_mappings(app_configs=None, **kwargs):
    errors = []
    try:
        product_model = get_product_model()
    except ImproperlyConfigured:
        return []  # reported by E001
    for key, (model_setting, attributes, ids) in MAPPINGS.items():
        mapping = getattr(app_settings, key)
        if not isinstance(mapping, dict):
            errors.append(_error(f"AI_COMMERCE[{key!r}] must be a dict of attribute -> field path.",
                                 f"Use the attributes {', '.join(attributes)}.", ids["not_dict"]))
            continue
        unknown = sorted(set(mapping) - set(attributes))
        if unknown:
            errors.append(_error(f"AI_COMMERCE[{key!r}] has unknown attributes {', '.join(unknown)}.",
                                 f"Use only {', '.join(attributes)}.", ids["unknown"]))
        if model_setting is None:
            model = product_model
        else:
            try:
                model = get_model_setting(model_setting)
            except ImproperlyConfigured as exc:
                errors.append(_error(str(exc), f"Set AI_COMMERCE[{model_setting!r}] to 'app_label.ModelName' or "
                                     "remove it.", ids["model"]))
                continue
            if model is None:
                continue
            missing = [a for a in REQUIRED[key] if not mapping.get(a)]
            if missing:
                errors.append(_error(f"AI_COMMERCE[{key!r}] does not map {', '.join(missing)}.",
                                     f"Map them to fields of {model._meta.label}.", ids["required"]))
        errors.extend(_check_paths(key, model, mapping, product_model, attributes, ids))
    return errors


def _check_paths(key, model, mapping, product_model, attributes, ids):
    errors = []
    for attribute in attributes:
        path = mapping.get(attribute)
        if not path:
            continue
        try:
            field_path = FieldPath.resolve(model, path)
        except MappingError as exc:
            errors.append(_error(f"AI_COMMERCE[{key!r}][{attribute!r}]: {exc}.",
                                 f"Map {attribute!r} to an existing field or path of {model._meta.label}"
                                 + ("" if attribute in REQUIRED[key] else
                                    f', or set "{attribute}": None if the shop has no such field')
                                 + (" (plain django-oscar keeps no cost)." if attribute == "cost" else "."),
                                 ids["path"]))
            continue
        if key != "PRODUCT_FIELDS" and field_path.many:
            errors.append(_error(f"AI_COMMERCE[{key!r}][{attribute!r}] = {path!r} crosses a to-many relation.",
                                 "Each order line or review has one value; map a single-valued path.",
                                 ids["to_many"]))
        if attribute == "product" and field_path.last.related_model is not product_model:
            errors.append(_error(
                f"AI_COMMERCE[{key!r}]['product'] = {path!r} does not point to {product_model._meta.label}.",
                f"Map it to the foreign key to {PRODUCT_MODEL_SETTING}.", ids["product"]))
        if attribute == "price" and not isinstance(field_path.last, models.DecimalField):
            errors.append(_error(
                f"AI_COMMERCE['PRODUCT_FIELDS']['price'] = {path!r} is a {type(field_path.last).__name__}.",
                "Keep money in a DecimalField; prices are read and written as Decimal.", ids["price"],
                checks.Warning))
    return errors


def is_cache_alias(alias):
    """Whether ``alias`` names one of ``settings.CACHES`` (for the capabilities' own cache settings)."""
    return isinstance(alias, str) and alias in getattr(settings, "CACHES", {})


@checks.register()
def check_lock_cache(app_configs=None, **kwargs):
    alias = app_settings.LOCK_CACHE
    caches = getattr(settings, "CACHES", {})
    if alias not in caches:
        return [_error(f"AI_COMMERCE['LOCK_CACHE'] = {alias!r} is not a cache in CACHES.",
                       f"Use one of {', '.join(caches) or 'the CACHES aliases'}, ideally a Redis cache.", "E010")]
    backend = caches[alias].get("BACKEND", "")
    if backend in NON_STORING_CACHES:
        return [_error(f"The lock cache {alias!r} ({backend}) stores nothing, so training locks never hold.",
                       "Point AI_COMMERCE['LOCK_CACHE'] at a Redis (or at least a local-memory) cache.", "E011")]
    eager = getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
    if backend in PROCESS_LOCAL_CACHES and not eager:
        return [_error(
            f"The lock cache {alias!r} is process-local ({backend}) but Celery tasks run in separate worker "
            "processes, so two retrains of one kind could overlap.",
            "Use django.core.cache.backends.redis.RedisCache for AI_COMMERCE['LOCK_CACHE'], or set "
            "CELERY_TASK_ALWAYS_EAGER = True for a single-process shop.", "W001", checks.Warning)]
    return []


@checks.register()
def check_limits(app_configs=None, **kwargs):
    errors = []
    rate = app_settings.EVENTS_THROTTLE_RATE
    if rate is not None:
        num, _, period = str(rate).partition("/")
        if not (num.isdigit() and period in THROTTLE_PERIODS):
            errors.append(_error(f"AI_COMMERCE['EVENTS_THROTTLE_RATE'] = {rate!r} is not a rate.",
                                 "Write it as 'N/period' with period s, min, hour or day (e.g. '600/min'), or "
                                 "None for no throttle.", "E012"))
    try:
        trusted_networks(app_settings.TRUSTED_PROXIES)
    except ValueError as exc:
        errors.append(_error(f"AI_COMMERCE['TRUSTED_PROXIES']: {exc}.",
                             "List the IPs or CIDRs of the shop's own reverse proxies and load balancers, e.g. "
                             "['10.0.0.0/8', '192.0.2.7'], or leave it empty ([]) when clients connect directly.",
                             "E055"))
    batch = app_settings.EVENTS_MAX_BATCH
    if not (isinstance(batch, int) and batch > 0):
        errors.append(_error(f"AI_COMMERCE['EVENTS_MAX_BATCH'] = {batch!r} must be a positive integer.",
                             "The default is 100.", "E013"))
    excluded = app_settings.ORDER_STATUSES_EXCLUDED
    if not isinstance(excluded, list | tuple | set | frozenset) or not all(isinstance(s, str) for s in excluded):
        errors.append(_error(f"AI_COMMERCE['ORDER_STATUSES_EXCLUDED'] = {excluded!r} is not a list of statuses.",
                             "List the order statuses that are not demand, e.g. ('cancelled', 'refunded').", "E108"))
    elif excluded and not (app_settings.ORDER_LINE_FIELDS or {}).get("status"):
        errors.append(_error("AI_COMMERCE['ORDER_STATUSES_EXCLUDED'] is set but ORDER_LINE_FIELDS has no 'status', so "
                             "cancelled orders still count as demand.",
                             "Map the order's status, e.g. ORDER_LINE_FIELDS = {..., 'status': 'order__status'}.",
                             "W004", checks.Warning))
    if app_settings.STALE_RUN_SECONDS <= app_settings.TRAIN_TIME_LIMIT:
        errors.append(_error("AI_COMMERCE['STALE_RUN_SECONDS'] must exceed TRAIN_TIME_LIMIT.",
                             "Otherwise the janitor fails runs that a busy worker has not reached yet.", "E014"))
    ttl = app_settings.LOCK_TTL
    if not (isinstance(ttl, int | float) and 3 <= ttl < app_settings.TRAIN_TIME_LIMIT):
        errors.append(_error(f"AI_COMMERCE['LOCK_TTL'] = {ttl!r} must be a number of seconds from 3 to below "
                             "TRAIN_TIME_LIMIT.", "The default is 120: a killed worker's lock frees itself within "
                             "two minutes.", "E050"))
    for name in ("TRAIN_RETRIES", "RETRY_BACKOFF"):
        value = getattr(app_settings, name)
        if not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
            errors.append(_error(f"AI_COMMERCE['{name}'] = {value!r} must be a whole number, 0 or more.",
                                 "The defaults are TRAIN_RETRIES 3 and RETRY_BACKOFF 10 (seconds).", "E051"))
    depth = app_settings.API_MAX_JSON_DEPTH
    if not (isinstance(depth, int) and not isinstance(depth, bool) and depth >= 2):
        errors.append(_error(f"AI_COMMERCE['API_MAX_JSON_DEPTH'] = {depth!r} must be a whole number, 2 or more.",
                             "The default is 32; the bodies ai_commerce's endpoints read nest a few levels.",
                             "E061"))
    timeout = app_settings.BROKER_SEND_TIMEOUT
    if not (isinstance(timeout, int | float) and not isinstance(timeout, bool) and 0 < timeout <= 10):
        errors.append(_error(f"AI_COMMERCE['BROKER_SEND_TIMEOUT'] = {timeout!r} must be a number of seconds above 0 "
                             "and at most 10.", "The default is 0.5: a save waits at most that long for a broker "
                             "that is down; the sweep sends what could not be sent.", "E062"))
    running_out = app_settings.RUNNING_OUT_DAYS
    if not (isinstance(running_out, int) and not isinstance(running_out, bool) and 1 <= running_out <= 365):
        errors.append(_error(f"AI_COMMERCE['RUNNING_OUT_DAYS'] = {running_out!r} must be a whole number of days from "
                             "1 to 365.", "The default is 7: products the forecast expects to run out within a week.",
                             "E063"))
    return errors


@checks.register()
def check_retention(app_configs=None, **kwargs):
    problem = keep_problem(app_settings.KEEP_VERSIONS)
    if problem:
        return [_error(f"AI_COMMERCE['KEEP_VERSIONS']: {problem}.",
                       "Keep 1 or more (5 by default); the active version, the one a rollback restores and those "
                       "experiments serve are kept besides.", "E052")]
    return []


CELERY_RECIPE = ("app.config_from_object('django.conf:settings', namespace='CELERY') right after app = Celery(...) "
                 "in your project's celery.py")


def _broker(app):
    """The broker URL that ``app`` sends tasks to, password masked."""
    try:
        return app.connection_for_write().as_uri()
    except (KeyError, ValueError):  # an unknown transport or a malformed URL: sending fails loudly anyway
        return str(app.conf.broker_url)


@checks.register()
def check_celery(app_configs=None, **kwargs):
    """The Celery app that sends our tasks follows the CELERY_* settings, and has a broker unless it runs eagerly."""
    from celery import current_app

    app = current_app._get_current_object()
    unread = f"the Celery app {app.main!r} does not read Django's CELERY_* settings (or overrides them)"
    eager = getattr(settings, "CELERY_TASK_ALWAYS_EAGER", None)
    if eager is not None and bool(eager) != bool(app.conf.task_always_eager):
        effect = ("tasks are sent to a broker instead of running in this process" if eager else
                  "tasks run in this process instead of a worker")
        return [checks.Error(
            f"settings.CELERY_TASK_ALWAYS_EAGER = {eager!r} has no effect: {unread}, so {effect}.",
            hint=f"Configure that app from Django settings: {CELERY_RECIPE}. Or, if you run no worker, remove that "
            "celery.py and its import from your project's __init__.py: ai_commerce then configures Celery from your "
            "settings itself.", obj="settings.CELERY_TASK_ALWAYS_EAGER", id="ai_commerce.E053")]
    broker = getattr(settings, "CELERY_BROKER_URL", None)
    if broker is not None and broker != app.conf.get("broker_url"):
        return [checks.Warning(
            f"settings.CELERY_BROKER_URL has no effect: {unread}, so tasks go to {_broker(app)}.",
            hint=f"Configure that app from Django settings: {CELERY_RECIPE}.",
            obj="settings.CELERY_BROKER_URL", id="ai_commerce.W006")]
    if broker is None and not app.conf.task_always_eager and not app.conf.broker_url:
        return [checks.Warning(
            "No Celery broker is configured and tasks do not run eagerly, so every task (scoring new reviews, "
            f"training, ...) goes to Celery's default broker {_broker(app)}, where nothing may listen.",
            hint="Set CELERY_BROKER_URL (e.g. 'redis://127.0.0.1:6379/0') and run a worker with your project's "
            "celery.py, or set CELERY_TASK_ALWAYS_EAGER = True to run every task in-process (a small shop).",
            obj="settings.CELERY_BROKER_URL", id="ai_commerce.W005")]
    return []

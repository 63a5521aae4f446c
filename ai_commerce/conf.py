"""Settings of ai_commerce, read lazily from ``settings.AI_COMMERCE``.

Use ``from ai_commerce.conf import app_settings`` and read attributes (``app_settings.LOCK_CACHE``). Values are
looked up on first access and forgotten when ``AI_COMMERCE`` changes, so ``override_settings`` works in tests.

The product model is a separate top-level setting, ``AI_COMMERCE_PRODUCT_MODEL = "catalog.Product"``, because
models and migrations need it before the app registry is ready (as ``AUTH_USER_MODEL``).
"""

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

PRODUCT_MODEL_SETTING = "AI_COMMERCE_PRODUCT_MODEL"

#: Every key of ``AI_COMMERCE``, with its default. docs/settings.md documents each one.
DEFAULTS = {
    # The class that reads and writes the host shop. Subclass ai_commerce.adapter.ShopAdapter to change it.
    "ADAPTER": "ai_commerce.adapter.ShopAdapter",
    # How prices are shown in the tags: a dotted path to a callable (price) -> str, e.g. the shop's currency format
    # ("ai_commerce.contrib.oscar.format_price" for django-oscar); None shows two decimals, localized.
    "PRICE_FORMAT": None,
    # Product attributes -> field names or paths on AI_COMMERCE_PRODUCT_MODEL ("stockrecords__price").
    # Missing or None means the shop has no such attribute.
    "PRODUCT_FIELDS": {
        "title": "name",
        "description": None,
        "price": "price",
        "cost": None,
        "stock": None,
        "active": None,
        "category": None,
    },
    # The model of one line of a placed order, and its fields (paths allowed: "order__customer").
    "ORDER_LINE_MODEL": None,
    "ORDER_LINE_FIELDS": {
        "user": "order__user",
        "product": "product",
        "quantity": "quantity",
        "unit_price": "unit_price",
        "created": "order__created",
        "order": "order",
        "status": None,  # the order's status, to leave out ORDER_STATUSES_EXCLUDED (e.g. "order__status")
    },
    # The model of a placed order, and its fields, for what a shopper may ask about their own order (the assistant):
    # "number" is what the shopper quotes (None: the primary key, shown as "#12"), "email" the address on the order
    # (a guest's order is found only with its number and this email), "status", "shipped" and "tracking" where the
    # shop keeps them. None means the shop has no such field.
    "ORDER_MODEL": None,
    "ORDER_FIELDS": {
        "number": None,
        "user": "user",
        "email": None,
        "status": None,
        "created": "created",
        "shipped": None,
        "tracking": None,
    },
    # Order statuses that are not purchases (e.g. "Pending", "Cancelled"): no capability counts their lines (events,
    # recommendations, pricing demand), and an order whose status changes is synced again. Needs
    # ORDER_LINE_FIELDS["status"]. Guest orders (no user) count all the same, their events keyed by order.
    "ORDER_STATUSES_EXCLUDED": (),
    # The review model, and its fields. "moderation_status" and "incentivized" (a boolean: the reviewer got something
    # for the review; review sentiment shows it and takes it from there instead of the staff's mark) are optional.
    "REVIEW_MODEL": None,
    "REVIEW_FIELDS": {
        "user": "user",
        "product": "product",
        "rating": "rating",
        "title": None,
        "text": "text",
        "created": "created",
        "moderation_status": None,
        "incentivized": None,
    },
    # Cache alias used for the per-kind training locks. Must be shared by web and worker processes (Redis).
    "LOCK_CACHE": "default",
    # A training task is stopped after this many seconds (Celery soft time limit; the hard limit is 5 min later).
    "TRAIN_TIME_LIMIT": 60 * 60,
    # A training run holds its kind's lock for this many seconds, renewed by its heartbeat every third of it: a killed
    # worker's lock expires within this time, and the next run of the kind can start.
    "LOCK_TTL": 120,
    # A queued run that no worker took for this long is marked failed by the janitor. Keep it above TRAIN_TIME_LIMIT.
    "STALE_RUN_SECONDS": 2 * 60 * 60,
    # A training task that hits a transient error (database or Redis unreachable) is retried this many times, with
    # exponential backoff from RETRY_BACKOFF seconds; the run's log records each retry.
    "TRAIN_RETRIES": 3,
    "RETRY_BACKOFF": 10,
    # The web process sends a task after a save with one attempt whose connect and socket timeouts are this many
    # seconds (ai_commerce.celery_setup.send): a broker that is down never holds up a save; the sweep catches up.
    "BROKER_SEND_TIMEOUT": 0.5,
    # The sweep re-sends a queued run that has no task id this many seconds after it was created (its enqueue failed).
    "SWEEP_GRACE_SECONDS": 60,
    # Event endpoint: throttle rate per user, session and client address (DRF syntax) and the largest batch it accepts.
    "EVENTS_THROTTLE_RATE": "600/min",
    # The shop's own reverse proxies and load balancers (IPs or CIDRs, e.g. ["10.0.0.0/8"]): only a request from one
    # of them has its X-Forwarded-For read for the client's address (rate limits). Empty: REMOTE_ADDR alone.
    "TRUSTED_PROXIES": [],
    "EVENTS_MAX_BATCH": 100,
    # Every endpoint: a JSON body nested deeper than this (arrays and objects) answers 400 before it is decoded.
    "API_MAX_JSON_DEPTH": 32,
    # ai_commerce.stock_outlook.running_out_within(): a product is "running out" when the demand forecast expects its
    # stock to run out within this many days of the forecast's first day (e.g. recommendations may demote it).
    "RUNNING_OUT_DAYS": 7,
    # Storage alias for model artifacts (Django's STORAGES), and the folder inside it.
    "ARTIFACT_STORAGE": "default",
    "ARTIFACT_DIR": "ai_commerce/models",
    # Retention: the weekly prune keeps every row and artifact of the newest KEEP_VERSIONS versions of each kind (and
    # always the active one, the one a rollback would restore and those experiments serve); older versions keep
    # their row and metrics, as a record, but lose their serving rows and artifact files. See ai_commerce.retention.
    "KEEP_VERSIONS": 5,
    # Periodic tasks created once by `ai_commerce_setup_schedules`; admins own them afterwards. Each installed
    # capability adds its retrain schedule (CapabilityConfig.schedules); a name given here replaces one of those.
    "SCHEDULES": {
        "ai_commerce: mark stale training runs failed": {
            "task": "ai_commerce.tasks.fail_stale_runs_task",
            "kind": None,
            "crontab": "*/5 * * * *",
        },
        "ai_commerce: catch up after an outage": {
            "task": "ai_commerce.tasks.sweep_task",
            "kind": None,
            "crontab": "*/10 * * * *",
        },
        "ai_commerce: prune old model versions weekly": {
            "task": "ai_commerce.retention.prune_versions_task",
            "kind": None,
            "crontab": "30 4 * * 0",
        },
    },
}

#: Keys whose values are dicts merged over the defaults, so a shop maps only the fields it has. Each installed
#: capability's settings (``AI_COMMERCE[CapabilityConfig.settings_key]``) are merged over its defaults too.
MERGED_KEYS = ("PRODUCT_FIELDS", "ORDER_LINE_FIELDS", "ORDER_FIELDS", "REVIEW_FIELDS")


class AppSettings:
    """Lazy view of ``settings.AI_COMMERCE`` with defaults; reloaded on ``setting_changed``."""

    def __init__(self, defaults):
        self.defaults = defaults
        self._cache = {}

    @property
    def user_settings(self):
        value = getattr(settings, "AI_COMMERCE", {})
        return value if isinstance(value, dict) else {}

    def __getattr__(self, name):
        if name not in self._cache:
            defaults, merged = self._defaults_of(name)
            value = self.user_settings.get(name, defaults)
            if merged and isinstance(value, dict):
                value = {**defaults, **value}
            self._cache[name] = value
        return self._cache[name]

    def _defaults_of(self, name):
        """Return (defaults, merged) of setting ``name``: a core one, or an installed capability's settings."""
        if name in self.defaults:
            return self.defaults[name], name in MERGED_KEYS
        from .capabilities import by_settings_key

        capability = by_settings_key(name) if name.isupper() else None
        if capability is None:
            raise AttributeError(f"Invalid ai_commerce setting: {name!r}")
        return capability.defaults, True

    def known_keys(self):
        """Return every key ``AI_COMMERCE`` may hold: the core's and the installed capabilities'."""
        from .capabilities import installed

        return [*self.defaults, *(c.settings_key for c in installed() if c.settings_key)]

    def import_class(self, name):
        """Import the dotted path held by setting ``name``."""
        return import_string(getattr(self, name))

    def reload(self):
        self._cache.clear()


app_settings = AppSettings(DEFAULTS)


def _reload(*, setting, **kwargs):
    if setting in ("AI_COMMERCE", PRODUCT_MODEL_SETTING):
        app_settings.reload()


setting_changed.connect(_reload)


def product_model_label():
    """Return the ``app_label.ModelName`` string of the shop's product model."""
    return getattr(settings, PRODUCT_MODEL_SETTING, None)


def get_product_model():
    """Return the product model that is active in this project."""
    label = product_model_label()
    if not label:
        raise ImproperlyConfigured(f"{PRODUCT_MODEL_SETTING} must be set, e.g. 'catalog.Product'.")
    try:
        return apps.get_model(label, require_ready=False)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{PRODUCT_MODEL_SETTING} must be of the form 'app_label.ModelName'.") from exc
    except LookupError as exc:
        raise ImproperlyConfigured(
            f"{PRODUCT_MODEL_SETTING} refers to model {label!r} that has not been installed."
        ) from exc


def get_model_setting(name):
    """Return the model named by app setting ``name`` (ORDER_LINE_MODEL, ORDER_MODEL, REVIEW_MODEL), or None."""
    label = getattr(app_settings, name)
    if not label:
        return None
    try:
        return apps.get_model(label, require_ready=False)
    except (ValueError, LookupError) as exc:
        raise ImproperlyConfigured(f"AI_COMMERCE[{name!r}] = {label!r} is not an installed model.") from exc

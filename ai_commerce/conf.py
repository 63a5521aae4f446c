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

#: Every key of ``AI_COMMERCE``, with its default. The README's settings reference documents each one.
DEFAULTS = {
    # The class that reads and writes the host shop. Subclass ai_commerce.adapter.ShopAdapter to change it.
    "ADAPTER": "ai_commerce.adapter.ShopAdapter",
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
    },
    # The review model, and its fields. "moderation_status" is optional.
    "REVIEW_MODEL": None,
    "REVIEW_FIELDS": {
        "user": "user",
        "product": "product",
        "rating": "rating",
        "title": None,
        "text": "text",
        "created": "created",
        "moderation_status": None,
    },
    # Cache alias used for the per-kind training locks. Must be shared by web and worker processes (Redis).
    "LOCK_CACHE": "default",
    # A training task is stopped after this many seconds (Celery soft time limit; the hard limit is 5 min later).
    "TRAIN_TIME_LIMIT": 60 * 60,
    # A training run with no heartbeat for this long is marked failed by the janitor; it also bounds the lock TTL.
    # Keep it above TRAIN_TIME_LIMIT.
    "STALE_RUN_SECONDS": 2 * 60 * 60,
    # Event endpoint: throttle rate per user or IP (DRF syntax) and the largest batch it accepts.
    "EVENTS_THROTTLE_RATE": "600/min",
    "EVENTS_MAX_BATCH": 100,
    # Storage alias for model artifacts (Django's STORAGES), and the folder inside it.
    "ARTIFACT_STORAGE": "default",
    "ARTIFACT_DIR": "ai_commerce/models",
    # Review sentiment (ai_commerce.sentiment).
    "SENTIMENT": {
        # Star-rated reviews needed before a shop-trained model replaces the lexicon (VADER) cold start.
        "MIN_REVIEWS": 200,
        # Share of the newest reviews held out to evaluate a new model against the lexicon and the active model,
        # and the fewest reviews it is judged on (the share grows to reach them, up to half of the reviews).
        "HOLDOUT": 0.2,
        "MIN_HOLDOUT_REVIEWS": 50,
        # Extra or replacement keywords per aspect, merged over the defaults: {"fit": ["snug"], "scent": [...]}.
        "ASPECTS": {},
        # Words that flag a review as abusive (matched as whole words, case-insensitive).
        "ABUSIVE_WORDS": ["idiot", "idiots", "stupid", "scam", "scammers", "crap", "damn", "hate you"],
        # A score at or below this is "strongly negative" (scores run from -1 to 1).
        "STRONG_NEGATIVE": -0.6,
        # 4-5 stars with a score at or below this, or 1-2 stars at or above its opposite, is a mismatch.
        "MISMATCH": -0.3,
        # Host moderation status values (when the shop maps REVIEW_FIELDS["moderation_status"]) written when a
        # review is flagged, approved or hidden. None leaves the host's status alone.
        "HOST_STATUS": {"flagged": None, "approved": None, "hidden": None},
    },
    # Periodic tasks created once by `ai_commerce_setup_schedules`; admins own them afterwards.
    "RECOMMENDATIONS": {
        # Precomputed per user, per product (similar, bought together) and per category (trending).
        "TOP_K": 50,
        "RELATED_K": 20,
        # Users scored per chunk; with FAN_OUT, chunks run as a group of Celery tasks (needs a result backend).
        "CHUNK_SIZE": 1000,
        "FAN_OUT": False,
        # A new version is promoted when its held-out Recall@10 is at least the active version's and the best
        # baseline's minus this.
        "PROMOTION_TOLERANCE": 0.0,
        # Cache alias and lifetime of serving reads (keyed by model version, so a new version never serves stale rows).
        "CACHE": "default",
        "CACHE_SECONDS": 300,
        # Hyperparameters over the engine's defaults (see ai_commerce.recommendations.engine.default_params()).
        "PARAMS": {},
    },
    "PRICING": {
        # The newest days of orders (before the newest order line) held out to check that the elasticities predict
        # demand better than ignoring price. The window doubles until it judges MIN_HOLDOUT_PRODUCTS products, but
        # never holds more than HOLDOUT_MAX_SHARE of the order lines; a window too thin to judge skips the run.
        "HOLDOUT_DAYS": 28,
        "MIN_HOLDOUT_PRODUCTS": 5,
        "HOLDOUT_MAX_SHARE": 0.5,
        # A new demand model is promoted when its held-out skill is at least the baseline's minus this.
        "PROMOTION_TOLERANCE": 0.02,
        # Days a suggestion stays open before it expires (the next run replaces it anyway).
        "SUGGESTION_DAYS": 7,
        # A period's price: "mean" (quantity-weighted average paid) or "mode" (the price most lines paid). Use "mode"
        # when unit prices depend on quantity (bulk tiers), so that one big order does not look like a price cut.
        "PERIOD_PRICE": "mean",
    },
    "SCHEDULES": {
        "ai_commerce: retrain recommendations nightly": {
            "task": "ai_commerce.tasks.retrain_task",
            "kind": "recommendations",
            "crontab": "0 3 * * *",
        },
        "ai_commerce: retrain sentiment nightly": {
            "task": "ai_commerce.tasks.retrain_task",
            "kind": "sentiment",
            "crontab": "30 3 * * *",
        },
        "ai_commerce: retrain pricing weekly": {
            "task": "ai_commerce.tasks.retrain_task",
            "kind": "pricing",
            "crontab": "0 4 * * 1",
        },
        "ai_commerce: mark stale training runs failed": {
            "task": "ai_commerce.tasks.fail_stale_runs_task",
            "kind": None,
            "crontab": "*/15 * * * *",
        },
    },
}

#: Keys whose values are dicts merged over the defaults, so a shop maps only the fields it has.
MERGED_KEYS = ("PRODUCT_FIELDS", "ORDER_LINE_FIELDS", "REVIEW_FIELDS", "SENTIMENT", "PRICING", "RECOMMENDATIONS")


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
        if name not in self.defaults:
            raise AttributeError(f"Invalid ai_commerce setting: {name!r}")
        if name not in self._cache:
            value = self.user_settings.get(name, self.defaults[name])
            if name in MERGED_KEYS and isinstance(value, dict):
                value = {**self.defaults[name], **value}
            self._cache[name] = value
        return self._cache[name]

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
    """Return the model named by app setting ``name`` (ORDER_LINE_MODEL, REVIEW_MODEL), or None if unset."""
    label = getattr(app_settings, name)
    if not label:
        return None
    try:
        return apps.get_model(label, require_ready=False)
    except (ValueError, LookupError) as exc:
        raise ImproperlyConfigured(f"AI_COMMERCE[{name!r}] = {label!r} is not an installed model.") from exc

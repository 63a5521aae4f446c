"""Settings of the demo shop.

A small shop runs everything on SQLite with Celery in eager mode (no broker, no worker). Point
``CELERY_BROKER_URL`` at Redis and ``DEMO_DB_PATH`` elsewhere to run it like a bigger shop.

Environment variables: ``DJANGO_SECRET_KEY``, ``DJANGO_DEBUG`` (default on), ``DEMO_DB_PATH``
(SQLite file, default ``db.sqlite3`` in the project root) and ``CELERY_BROKER_URL`` (default ``memory://``).
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY",
    "django-insecure-demo-shop-only-for-local-development-change-me",
)
DEBUG = os.environ.get("DJANGO_DEBUG", "1").strip().lower() in {"1", "true", "yes", "on"}
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_celery_beat",
    "demo_shop.catalog",
    "demo_shop.orders",
    "demo_shop.reviews",
    "ai_commerce",
    "ai_commerce.recommendations",
    "ai_commerce.sentiment",
    "ai_commerce.pricing",
    "ai_commerce.forecast",
    "ai_commerce.search",
    "ai_commerce.assistant",
    "ai_commerce.merchandising",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "demo_shop.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "demo_shop" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "demo_shop.orders.context_processors.basket",
            ],
        },
    },
]

WSGI_APPLICATION = "demo_shop.wsgi.application"

# SQLite as Django advises for concurrent requests (check ai_commerce.W007): every transaction takes the write lock
# when it begins, readers never block the writer (WAL), and a writer waits up to 20 s for the lock.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DEMO_DB_PATH") or BASE_DIR / "db.sqlite3",
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ai_commerce caches a served list per shopper and placement: room for the demo's 3,000 customers (LocMemCache
# keeps 300 entries by default, and culls a third of them whenever it is full). A bigger shop points this at Redis.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "demo-shop",
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Uploaded files, and ai_commerce's model artifacts (AI_COMMERCE["ARTIFACT_STORAGE"] is the default storage).
MEDIA_ROOT = os.environ.get("DEMO_MEDIA_ROOT") or BASE_DIR / "media"
MEDIA_URL = "media/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Celery: a small shop runs every task in-process; set CELERY_BROKER_URL (e.g. redis://) to use workers.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND")  # only FAN_OUT's chord needs one
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL.startswith("memory")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# ai_commerce integration: the package reaches the shop only through these settings.
AI_COMMERCE_PRODUCT_MODEL = "catalog.Product"
AI_COMMERCE = {
    "PRODUCT_FIELDS": {
        "title": "name",
        "description": "description",
        "price": "price",
        "cost": "cost",
        "stock": "stock",
        "active": "is_active",
        "category": "category__name",
        "created": "created_at",
    },
    "ORDER_LINE_MODEL": "orders.OrderLine",
    "ORDER_LINE_FIELDS": {
        "user": "order__customer",
        "product": "product",
        "quantity": "quantity",
        "unit_price": "unit_price",
        "created": "order__created_at",
        "order": "order",
    },
    # The placed order, for what a shopper asks about their own (the assistant): the demo keeps no status nor
    # tracking, so it answers with the date and the items.
    "ORDER_MODEL": "orders.Order",
    "ORDER_FIELDS": {"user": "customer", "email": "customer__email", "created": "created_at"},
    "REVIEW_MODEL": "reviews.Review",
    "REVIEW_FIELDS": {
        "user": "author",
        "product": "product",
        "rating": "rating",
        "title": "title",
        "text": "body",
        "created": "created_at",
        "moderation_status": "status",
    },
    # The synthetic shoppers buy within a few tastes, which makes item-kNN nearly as good as the full model here
    # (Recall@10 about 0.41 each): the demo promotes a model within 2 points of the best baseline. The package
    # default is 0.0, no worse than the baseline.
    "RECOMMENDATIONS": {"PROMOTION_TOLERANCE": 0.02},
    # Only published reviews are shown on the demo's pages, so only they are counted and quoted in the AI summaries.
    "SENTIMENT": {"HOST_STATUS": {"published": "published"}},
    # The recommendation tags show prices as the shop's pages do.
    "PRICE_FORMAT": "demo_shop.catalog.prices.pounds",
}

REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "ai_commerce": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

"""Settings of the package's test suite.

The product model is ``althost.Item``, a minimal host shop whose names differ from the demo shop's and which keeps
price, cost and stock on several stock records and categories in a many-to-many, as django-oscar does. It proves that
ai_commerce works through settings alone. The demo shop has its own suite (``tests/demo_settings.py``).
"""

from tests.services import REDIS_URL, caches, databases

SECRET_KEY = "tests-only"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_celery_beat",
    "tests.althost",
    "ai_commerce",
    "ai_commerce.recommendations",
    "ai_commerce.sentiment",
    "ai_commerce.pricing",
    "ai_commerce.forecast",
    "ai_commerce.search",
    "ai_commerce.assistant",
    "ai_commerce.merchandising",
    "tests.restock",  # a capability of the tests' own, installed like any other (no edit to the core)
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = databases()
CACHES = caches()
STATIC_URL = "static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Eager by default; the real-worker tests switch it off and use the Redis broker.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL  # the fan-out's chord
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

AI_COMMERCE_PRODUCT_MODEL = "althost.Item"
AI_COMMERCE = {
    "PRODUCT_FIELDS": {
        "title": "label",
        "description": "summary",
        "price": "stockrecords__price_excl_tax",
        "cost": "stockrecords__cost_price",
        "stock": "stockrecords__num_in_stock",
        "active": "listed",
        "category": "sections__name",
        "created": "added",
    },
    "ORDER_LINE_MODEL": "althost.SaleLine",
    "ORDER_LINE_FIELDS": {
        "user": "purchase__buyer",
        "product": "article",
        "quantity": "qty",
        "unit_price": "each_price",
        "created": "purchase__placed_on",
        "order": "purchase",
        "status": "purchase__status",
    },
    "ORDER_STATUSES_EXCLUDED": ("cancelled", "refunded"),
    "ORDER_MODEL": "althost.Purchase",
    "ORDER_FIELDS": {"user": "buyer", "email": "buyer__email", "status": "status", "created": "placed_on"},
    "REVIEW_MODEL": "althost.Feedback",
    "REVIEW_FIELDS": {
        "user": "reviewer",
        "product": "item",
        "rating": "stars",
        "title": "headline",
        "text": "comment",
        "created": "posted",
        "moderation_status": "state",
    },
    # Search swaps no results at random (the tests that measure position bias turn it on with a seeded draw).
    "SEARCH": {"EXPLORE_SHARE": 0},
}

"""Settings of the django-oscar suite: a real Oscar 4.2 shop, set up as Oscar's documentation says, with ai_commerce
added through its one-line preset (``ai_commerce.contrib.oscar``) and the test services of tests/settings.py.

Run with ``pytest --ds=tests.oscar_settings`` (``make test-oscar``); it collects tests/oscar only.
"""

from pathlib import Path

import oscar
from oscar.defaults import *  # noqa: F403  (Oscar's settings, as its documentation starts a shop)

from ai_commerce.contrib import oscar as ai_oscar
from tests.services import REDIS_URL, caches, databases

HERE = Path(__file__).resolve().parent

SECRET_KEY = "tests-only"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-gb"
SITE_ID = 1
ROOT_URLCONF = "tests.oscar_urls"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"  # Oscar's own apps pin nothing and ship AutoField migrations
INSTALLED_APPS = [
    *oscar.INSTALLED_APPS,
    "sorl.thumbnail",
    "rest_framework",
    "django_celery_beat",
    "tests.oscar.costs",  # a per-product cost, as a shop adds one (the "with a cost field" recipe)
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
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
]
AUTHENTICATION_BACKENDS = [
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    # The shop's own templates first: tests/oscar/templates/oscar/catalogue/detail.html extends Oscar's.
    "DIRS": [HERE / "oscar" / "templates"],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.debug",
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
        "oscar.apps.search.context_processors.search_form",
        "oscar.apps.checkout.context_processors.checkout",
        "oscar.apps.communication.notifications.context_processors.notifications",
        "oscar.core.context_processors.metadata",
    ]},
}]
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
# The simple engine cannot update an index, and the realtime processor warns so on every product save.
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"
DATABASES = databases()
CACHES = caches()
STATIC_URL = "static/"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Oscar ships no order pipeline; this is its sandbox's, with "Complete" for delivered orders.
OSCAR_INITIAL_ORDER_STATUS = "Pending"
OSCAR_INITIAL_LINE_STATUS = "Pending"
OSCAR_ORDER_STATUS_PIPELINE = {
    "Pending": ("Being processed", "Cancelled"),
    "Being processed": ("Complete", "Cancelled"),
    "Complete": (),
    "Cancelled": (),
}
OSCAR_DEFAULT_CURRENCY = "GBP"

# Eager by default, as in tests/settings.py.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

AI_COMMERCE_PRODUCT_MODEL = ai_oscar.PRODUCT_MODEL
AI_COMMERCE = ai_oscar.settings(
    cost=None,  # plain Oscar keeps no cost; tests/oscar/test_preset.py maps tests.oscar.costs's
    excluded_statuses=("Pending", "Cancelled"),
    # Test-only: tiny models that train in seconds, always served, on the suite's small shop.
    RECOMMENDATIONS={"PARAMS": {"tt_epochs": 1, "tt_dim": 8, "candidates_per_source": 30, "ranker_iterations": 30},
                     "PROMOTION_TOLERANCE": 1.0},
    SENTIMENT={"MIN_REVIEWS": 60, "MIN_HOLDOUT_REVIEWS": 20},
    SEARCH={"EXPLORE_SHARE": 0},  # no random swaps in the tests
)

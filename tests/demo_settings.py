"""Settings of the demo shop's test suite: the demo's own settings, with the test services (see tests/services.py).

Run with ``pytest --ds=tests.demo_settings`` (``make test`` does).
"""

from demo_shop.settings import *  # noqa: F403
from tests.services import REDIS_URL, caches, databases

DATABASES = databases()
CACHES = caches()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

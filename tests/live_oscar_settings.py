"""The Oscar shop of tests/oscar_settings.py as a real server runs it (``tests/live_server.py``): its own database
(a SQLite file, or the PostgreSQL database ``AI_COMMERCE_TEST_DATABASE_URL`` names), every request in a transaction
as Oscar's documentation advises (``ATOMIC_REQUESTS``), and media on disk for the product images."""

import os

from tests.oscar_settings import *  # noqa: F403
from tests.services import databases

DATABASES = databases(os.environ.get("AI_COMMERCE_LIVE_SQLITE_PATH"))
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if os.environ.get("AI_COMMERCE_LIVE_DJANGO_DEFAULTS"):  # bench/traffic.py's "before": SQLite as Django leaves it
    DATABASES["default"]["OPTIONS"] = {}
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
MEDIA_ROOT = os.environ["AI_COMMERCE_LIVE_MEDIA"]
STORAGES = {**STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}  # noqa: F405
# A failed request's traceback in the server's log (Django sends it nowhere with DEBUG off): bench/traffic.py says
# what each 500 was.
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "handlers": {"stderr": {"class": "logging.StreamHandler"}},
           "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR"}}}

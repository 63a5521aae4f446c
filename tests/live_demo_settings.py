"""The demo shop as ``make demo`` serves it, on a database of its own (``tests/live_server.py``): the demo's own
SQLite settings on a file, or the PostgreSQL database ``AI_COMMERCE_TEST_DATABASE_URL`` names."""

import os

from demo_shop.settings import *  # noqa: F403
from tests.services import DATABASE_URL, databases

if DATABASE_URL:
    DATABASES = databases()
else:
    DATABASES["default"]["NAME"] = os.environ["AI_COMMERCE_LIVE_SQLITE_PATH"]
if os.environ.get("AI_COMMERCE_LIVE_DJANGO_DEFAULTS"):  # bench/traffic.py's "before": SQLite as Django leaves it
    DATABASES["default"]["OPTIONS"] = {}
DEBUG = False
# A failed request's traceback in the server's log (Django sends it nowhere with DEBUG off): bench/traffic.py says
# what each 500 was.
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "handlers": {"stderr": {"class": "logging.StreamHandler"}},
           "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR"}}}

"""Settings of ``bench/web.py``: the demo shop on the benchmark's database, with or without ai_commerce.

``BENCH_DATABASE_NAME`` names a PostgreSQL database on 127.0.0.1 (user postgres), else ``DEMO_DB_PATH`` is a
SQLite file. ``BENCH_WEB_APPS=0`` removes the ai_commerce apps, serves ``bench.web_urls`` (the shop pages only) and
reads the templates in ``BENCH_BARE_TEMPLATES`` first: the demo's own, with every ai_commerce tag taken out.
``BENCH_WEB_WITHOUT`` (comma-separated app names) removes those apps only, e.g. ``ai_commerce.merchandising``: the
demo's templates load no tag library of merchandising, and without it the ranked lists are served unarranged.
"""

import os

from demo_shop.settings import *  # noqa: F403
from demo_shop.settings import AI_COMMERCE, INSTALLED_APPS, TEMPLATES

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "handlers": {"console": {"class": "logging.StreamHandler"}},
           "root": {"handlers": ["console"], "level": "WARNING"}}

if os.environ.get("BENCH_DATABASE_NAME"):
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": os.environ["BENCH_DATABASE_NAME"],
                             "HOST": "127.0.0.1", "PORT": 5432, "USER": "postgres", "CONN_MAX_AGE": 60}}

# The load comes from one loopback address: the event throttle would answer most of it with 429.
AI_COMMERCE = {**AI_COMMERCE, "EVENTS_THROTTLE_RATE": "1000000/min",
               "ASSISTANT": {**AI_COMMERCE.get("ASSISTANT", {}), "THROTTLE_RATE": "1000000/min"}}

if os.environ.get("BENCH_WEB_APPS") == "0":
    INSTALLED_APPS = [app for app in INSTALLED_APPS if not app.startswith("ai_commerce")]
    ROOT_URLCONF = "bench.web_urls"
    TEMPLATES = [{**TEMPLATES[0], "DIRS": [os.environ["BENCH_BARE_TEMPLATES"], *TEMPLATES[0]["DIRS"]]}]
elif os.environ.get("BENCH_WEB_WITHOUT"):
    INSTALLED_APPS = [app for app in INSTALLED_APPS if app not in os.environ["BENCH_WEB_WITHOUT"].split(",")]

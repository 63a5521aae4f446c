"""Where the test suites find their services. Locally nothing is needed: SQLite, and Celery in eager mode.

CI (``.ci/run``) sets:

* ``AI_COMMERCE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/ai_commerce``: run on PostgreSQL (psycopg 3);
* ``AI_COMMERCE_TEST_REDIS_URL=redis://127.0.0.1:6379/15``: the Celery broker and the lock cache;
* ``AI_COMMERCE_REQUIRE_SERVICES=1``: a test that needs a service fails, instead of skipping, when it is missing.
"""

import os
from urllib.parse import urlparse

REQUIRE_SERVICES = os.environ.get("AI_COMMERCE_REQUIRE_SERVICES") == "1"
REDIS_URL = os.environ.get("AI_COMMERCE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
DATABASE_URL = os.environ.get("AI_COMMERCE_TEST_DATABASE_URL", "")


def databases(sqlite_path=None):
    """PostgreSQL when ``AI_COMMERCE_TEST_DATABASE_URL`` names it, else SQLite (in memory, or the file
    ``sqlite_path``) with the options the README gives a small shop for concurrent requests."""
    if not DATABASE_URL:
        return {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": sqlite_path or ":memory:",
                            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20,
                                        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}}}
    url = urlparse(DATABASE_URL)
    if url.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"AI_COMMERCE_TEST_DATABASE_URL must be postgres://..., not {DATABASE_URL!r}")
    return {"default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": url.path.lstrip("/") or "ai_commerce",
        "USER": url.username or "postgres",
        "PASSWORD": url.password or "",
        "HOST": url.hostname or "127.0.0.1",
        "PORT": str(url.port or 5432),
    }}


def caches():
    if os.environ.get("AI_COMMERCE_TEST_REDIS_URL"):
        return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                            "KEY_PREFIX": "ai_commerce_tests"}}
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


#: A cache that is down: Redis on a port where nothing listens (the faults of an outage, at once).
DEAD_REDIS = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
              "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}


def redis_reachable(url=REDIS_URL):
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False

"""Settings of the demo shop's test suite: the demo's own settings, with the test services of tests/settings.py.

Run with ``pytest --ds=tests.demo_settings`` (``make test`` does).
"""

from demo_shop.settings import *  # noqa: F403
from tests.settings import (  # noqa: F401  (re-exported as settings)
    CACHES,
    CELERY_BROKER_URL,
    CELERY_TASK_ALWAYS_EAGER,
    CELERY_TASK_EAGER_PROPAGATES,
    DATABASES,
    PASSWORD_HASHERS,
    STORAGES,
)

# Search swaps no results at random in the tests (the demo itself keeps the default share).
AI_COMMERCE = {**AI_COMMERCE, "SEARCH": {**AI_COMMERCE.get("SEARCH", {}), "EXPLORE_SHARE": 0}}  # noqa: F405

"""Settings of a shop with no ``celery.py``: the test suite's settings, and no Celery app of the project's (nothing
imports ``tests.celery_app``). ``tests/core/test_celery_setup.py`` starts Django on them in a fresh process.

``AI_COMMERCE_TEST_CELERY`` picks the shop: ``eager`` (the small shop's recipe: tasks run in-process), ``broker``
(tasks go to the in-memory broker of ``CELERY_BROKER_URL``) or ``none`` (no broker configured, not eager).
"""

import os

from tests.settings import *  # noqa: F403

_MODE = os.environ.get("AI_COMMERCE_TEST_CELERY", "eager")
CELERY_TASK_ALWAYS_EAGER = _MODE == "eager"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
if _MODE == "none":
    del CELERY_BROKER_URL  # noqa: F821  (star-imported from tests.settings)
else:
    CELERY_BROKER_URL = "memory://"

"""In CI a green run must mean the real services were used, never that they were skipped."""

import pytest
from django.conf import settings
from django.db import connection

from tests import services

pytestmark = pytest.mark.skipif(not services.REQUIRE_SERVICES, reason="only when AI_COMMERCE_REQUIRE_SERVICES=1")


def test_ci_runs_on_postgresql():
    assert connection.vendor == "postgresql"


def test_ci_uses_the_redis_broker_and_lock_cache():
    assert services.redis_reachable()
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")

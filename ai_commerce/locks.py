"""A lock per name, held in the cache named by ``AI_COMMERCE["LOCK_CACHE"]`` (Redis in production).

``cache.add`` is atomic on Redis and Memcached, so two workers can never both hold ``"train:recommendations"``. The
TTL must outlive the task's time limit: a killed worker's lock expires on its own. The token makes sure a process
only ever releases its own lock.
"""

import uuid
from contextlib import contextmanager

from django.core.cache import caches

from .conf import app_settings

PREFIX = "ai_commerce:lock:"


class LockHeld(Exception):
    """Another process holds the lock."""


def _cache():
    return caches[app_settings.LOCK_CACHE]


def acquire(name, ttl):
    """Take the lock ``name`` for ``ttl`` seconds. Return a token, or None if someone else holds it."""
    token = uuid.uuid4().hex
    return token if _cache().add(PREFIX + name, token, timeout=ttl) else None


def release(name, token):
    """Release the lock if ``token`` still owns it."""
    cache = _cache()
    if cache.get(PREFIX + name) == token:
        cache.delete(PREFIX + name)


def is_held(name):
    return _cache().get(PREFIX + name) is not None


@contextmanager
def lock(name, ttl):
    """Hold lock ``name`` for the block, or raise LockHeld at once."""
    token = acquire(name, ttl)
    if token is None:
        raise LockHeld(name)
    try:
        yield token
    finally:
        release(name, token)


def force_release(name):
    """Drop lock ``name`` whoever holds it (the janitor, after its holder died)."""
    _cache().delete(PREFIX + name)

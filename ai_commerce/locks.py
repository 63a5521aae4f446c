"""A lock per name, held in the cache named by ``AI_COMMERCE["LOCK_CACHE"]`` (Redis in production).

::

    token = locks.acquire("train:pricing", ttl=120, owner=run.pk)   # None if held
    locks.renew("train:pricing", token, ttl=120)                      # a heartbeat; False if it was lost
    locks.owner("train:pricing")                                      # "17" (the run holding it), or None
    locks.ttl("train:pricing")                                        # 84.2: seconds until it expires, or None
    locks.release("train:pricing", token)                             # only the holder's token releases it

A lock's value is its token, ``"<owner>:<random>"``, so anyone can read which run holds it, and only the holder can
renew or release it. The TTL is short and renewed by the holder's heartbeat: a lock whose holder was killed expires
on its own within one TTL.

On Redis every step is one atomic command (``SET NX PX``, and Lua compare-and-delete or compare-and-expire scripts),
so two workers can never both hold a lock and a release never drops another holder's lock. On other cache backends
(local memory in a single process, tests) ``add`` is atomic and the compare steps are best effort.
"""

import time
import uuid
from contextlib import contextmanager

from django.core.cache import caches

from .conf import app_settings

PREFIX = "ai_commerce:lock:"

_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
_RENEW = ("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) "
          "else return 0 end")


class LockHeld(Exception):
    """Another process holds the lock."""


def _cache():
    return caches[app_settings.LOCK_CACHE]


def _redis(cache):
    """The raw Redis client and the full key of Django's RedisCache, or None for other backends."""
    client = getattr(cache, "_cache", None)
    if not hasattr(client, "get_client") or not hasattr(cache, "make_and_validate_key"):
        return None
    return client.get_client(write=True)


class _Lock:
    def __init__(self, name):
        self.cache = _cache()
        self.redis = _redis(self.cache)
        self.key = self.cache.make_and_validate_key(PREFIX + name) if self.redis else PREFIX + name

    def get(self):
        if self.redis is None:
            return self.cache.get(self.key)
        value = self.redis.get(self.key)
        return value.decode() if value is not None else None

    def add(self, token, ttl):
        if self.redis is None:
            return self.cache.add(self.key, token, timeout=ttl)
        return bool(self.redis.set(self.key, token, nx=True, px=int(ttl * 1000)))

    def release(self, token):
        if self.redis is not None:
            return bool(self.redis.eval(_RELEASE, 1, self.key, token))
        if self.cache.get(self.key) != token:
            return False
        return self.cache.delete(self.key)

    def ttl(self):
        """Seconds until the lock expires: None when it is free, or when the backend cannot tell."""
        if self.redis is not None:
            remaining = self.redis.pttl(self.key)
            return remaining / 1000 if remaining >= 0 else None
        expires = getattr(self.cache, "_expire_info", {}).get(self.cache.make_and_validate_key(self.key))
        if expires is None or self.cache.get(self.key) is None:
            return None
        return max(0.0, expires - time.time())  # local memory stores the expiry as a wall-clock time

    def renew(self, token, ttl):
        if self.redis is not None:
            return bool(self.redis.eval(_RENEW, 1, self.key, token, int(ttl * 1000)))
        return self.cache.get(self.key) == token and self.cache.touch(self.key, timeout=ttl)


def acquire(name, ttl, owner=""):
    """Take the lock ``name`` for ``ttl`` seconds for ``owner``. Return its token, or None if someone holds it."""
    token = f"{owner}:{uuid.uuid4().hex}"
    return token if _Lock(name).add(token, ttl) else None


def renew(name, token, ttl):
    """Extend the lock by ``ttl`` seconds from now if ``token`` still holds it. Return whether it does."""
    return _Lock(name).renew(token, ttl)


def release(name, token):
    """Release the lock if ``token`` still holds it (atomically on Redis). Return whether it did."""
    return _Lock(name).release(token)


def holder(name):
    """The token that holds lock ``name``, or None."""
    return _Lock(name).get()


def owner(name):
    """The owner that holds lock ``name`` (what ``acquire`` was given, as a string), or None when it is free."""
    token = holder(name)
    return token.rpartition(":")[0] if token else None


def ttl(name):
    """Seconds until lock ``name`` expires unless its holder renews it; None when it is free (or, on a cache
    backend other than Redis or local memory, when that cannot be read)."""
    return _Lock(name).ttl()


def is_held(name):
    return holder(name) is not None


@contextmanager
def lock(name, ttl, owner=""):
    """Hold lock ``name`` for the block, or raise LockHeld at once."""
    token = acquire(name, ttl, owner)
    if token is None:
        raise LockHeld(name)
    try:
        yield token
    finally:
        release(name, token)

"""The package's cache reads and writes, which never raise: while the cache is down, a read is a miss.

::

    from ai_commerce import cache

    rows = cache.get("default", key)             # None on a miss, or when the cache cannot be reached
    cache.set("default", key, rows, timeout=300)
    stamp = cache.stamp("default", "catalogue")  # a token that changes whenever cache.bump(...) is called
    cache.bump("default", "catalogue")
    key = f"ai_commerce:served:{stamp}:{cache.digest(placement, product_id)}"   # safe for every backend

A stamp goes into the keys of entries that must be dropped together (every served list after a product or an order
line is saved): bumping it makes the old keys unreachable, and they expire on their own. A stamp is a random token,
not a counter, so that a stamp the cache evicted and created again can never bring back an old key. When the cache
cannot be reached, the stamp is "down" and callers read the database.
"""

import hashlib
import logging
import uuid

from django.core.cache import caches

logger = logging.getLogger(__name__)
DOWN = "down"
STAMP_PREFIX = "ai_commerce:stamp:"


def digest(*parts):
    """A short digest of ``parts`` for a key: safe on every backend, whatever the parts hold (spaces, ``&``)."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def get(alias, key, default=None):
    try:
        return caches[alias].get(key, default)
    except Exception:
        logger.warning("ai_commerce: the %r cache cannot be read; reading the database instead", alias, exc_info=True)
        return default


def set(alias, key, value, timeout):
    try:
        caches[alias].set(key, value, timeout)
    except Exception:
        logger.warning("ai_commerce: the %r cache cannot be written", alias, exc_info=True)


def delete(alias, key):
    try:
        caches[alias].delete(key)
    except Exception:
        logger.warning("ai_commerce: the %r cache cannot be written", alias, exc_info=True)


def stamp(alias, name):
    """Return the current token of ``name``, creating one if there is none; ``DOWN`` when the cache is down."""
    key = STAMP_PREFIX + name
    try:
        cache = caches[alias]
        found = cache.get(key)
        if found is None:
            cache.add(key, uuid.uuid4().hex[:12], None)
            found = cache.get(key)
        return found or DOWN
    except Exception:
        logger.warning("ai_commerce: the %r cache cannot be read; reading the database instead", alias, exc_info=True)
        return DOWN


def bump(alias, name):
    """Give ``name`` a new token, so that every key built with the old one is a miss from now on."""
    set(alias, STAMP_PREFIX + name, uuid.uuid4().hex[:12], None)

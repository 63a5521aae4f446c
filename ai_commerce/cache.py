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
import re
import uuid

from django.core.cache import caches

logger = logging.getLogger(__name__)
DOWN = "down"
STAMP_PREFIX = "ai_commerce:stamp:"
# Room for the host's KEY_PREFIX and version within memcached's 250 characters.
MAX_KEY = 200
_PLAIN = re.compile(r"[A-Za-z0-9:_.\-]+")


def digest(*parts):
    """A short digest of ``parts`` for a key: safe on every backend, whatever the parts hold (spaces, ``&``)."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def safe_key(key):
    """``key`` itself when every backend takes it (memcached: at most 250 plain characters), else its digest; so a
    key that holds a shop's own words (a category "Home & Garden") never warns or breaks."""
    if len(key) <= MAX_KEY and _PLAIN.fullmatch(key):
        return key
    return f"ai_commerce:h:{digest(key)}"


def get(alias, key, default=None):
    key = safe_key(key)
    try:
        return caches[alias].get(key, default)
    except Exception:
        logger.warning("ai_commerce: the %r cache cannot be read; reading the database instead", alias, exc_info=True)
        return default


def set(alias, key, value, timeout):
    key = safe_key(key)
    try:
        caches[alias].set(key, value, timeout)
    except Exception:
        logger.warning("ai_commerce: the %r cache cannot be written", alias, exc_info=True)


def delete(alias, key):
    key = safe_key(key)
    try:
        caches[alias].delete(key)
    except Exception:
        logger.warning("ai_commerce: the %r cache cannot be written", alias, exc_info=True)


def stamp(alias, name):
    """Return the current token of ``name``, creating one if there is none; ``DOWN`` when the cache is down."""
    key = safe_key(STAMP_PREFIX + name)
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

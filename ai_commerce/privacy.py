"""Forget a user: their events and everything each app derived from them, and never derive them again.

Each capability declares its forgetter (``CapabilityConfig.forgetter``); other code registers one, e.g. in an
``AppConfig.ready()``::

    from ai_commerce.privacy import register_forgetter
    register_forgetter("recommendations",
                       lambda user_id: UserRecommendation.objects.filter(user_id=user_id).delete()[0])

``forget_user(user_id, requested_by="command")`` runs them all in one transaction, leaves a tombstone
(``ForgottenUser``: a keyed hash of the id and the time, never the id) and an ``Erasure`` in the audit log (the hash,
the time, the rows each forgetter removed, who asked), and returns what each removed. Deleting a user does the same
through a signal, and so does ``manage.py ai_commerce_forget_user ID``. Forgetting twice is harmless: the tombstone
stays, and the log gets a second entry.

The shop still holds the user's orders and reviews, so every path that writes rows about a user asks first, in bulk
(one query per ``BATCH`` ids, never one per row)::

    from ai_commerce import privacy
    forgotten = privacy.forgotten_ids({row.user_id for row in rows})   # the ids among these that were forgotten
    events = privacy.without_forgotten(events)                          # objects whose user_id was not forgotten
    privacy.is_forgotten(user_id)

The hash is ``salted_hmac`` (HMAC-SHA256) of the id under ``SECRET_KEY``; the keys in ``SECRET_KEY_FALLBACKS`` match
too, so rotating the key keeps the tombstones as long as the old key stays a fallback.

The answer about one user (a page's or a request's shopper) is cached in ``LOCK_CACHE``, the cache that web and
worker processes share, for ``CACHE_SECONDS`` and under the hash, so a page costs no query once warm; forgetting
updates it when the erasure commits. Bulk lookups (imports, sweeps, trainers) read the table.
"""

from django.conf import settings
from django.db import transaction
from django.utils.crypto import salted_hmac
from django.utils.module_loading import import_string

from . import cache, capabilities
from .conf import app_settings

#: Ids looked up per query.
BATCH = 500
#: How long the answer about one user stays cached.
CACHE_SECONDS = 300
_SALT = "ai_commerce.privacy.forgotten"
_forgetters = {}


def register_forgetter(name, forget):
    """Register ``forget(user_id) -> rows removed`` under ``name`` (registering a name again replaces it)."""
    _forgetters[name] = forget


def forgetters():
    """Return ``{name: forget}``: each installed capability's (``CapabilityConfig.forgetter``, under its kind) and
    those registered here."""
    declared = {c.kind: import_string(c.forgetter) for c in capabilities.installed() if c.forgetter}
    return {**declared, **_forgetters}


def user_hash(user_id, secret=None):
    """Return the tombstone hash of ``user_id``: hex HMAC-SHA256 under ``secret`` (``SECRET_KEY`` by default)."""
    return salted_hmac(_SALT, str(user_id), secret=secret, algorithm="sha256").hexdigest()


def user_hashes(user_id):
    """Return the hashes that match ``user_id``: under ``SECRET_KEY`` and each of ``SECRET_KEY_FALLBACKS``."""
    return [user_hash(user_id, secret) for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]]


def forget_user(user_id, requested_by="code"):
    """Remove everything ai_commerce holds about ``user_id`` and keep it from coming back; log the erasure
    (``requested_by``: one of ``Erasure.RequestedBy``). Return ``{forgetter name: rows removed}``."""
    from .models import Erasure, ForgottenUser

    digest = user_hash(user_id)
    with transaction.atomic():
        # The tombstone first: from here on nothing new is written about the user.
        ForgottenUser.objects.get_or_create(user_hash=digest)
        removed = {name: forget(user_id) for name, forget in sorted(forgetters().items())}
        Erasure.objects.create(user_hash=digest, requested_by=requested_by, removed=removed)
        # Dropped now and set once committed: a lookup in between reads the table, and the commit has the last word.
        cache.delete(app_settings.LOCK_CACHE, _cache_key(user_id))
        transaction.on_commit(lambda: cache.set(app_settings.LOCK_CACHE, _cache_key(user_id), True, CACHE_SECONDS),
                              robust=True)
    return removed


def forget_events(user_id):
    from .models import Interaction

    return Interaction.objects.filter(user_id=user_id).delete()[0]


def _cache_key(user_id):
    # Every key that may match goes into it: rotating SECRET_KEY or its fallbacks asks the table again.
    return f"ai_commerce:forgotten:{cache.digest(*user_hashes(user_id))}"


def forgotten_ids(user_ids):
    """Return the set of ``user_ids`` (None ignored) that were forgotten: one query per ``BATCH`` hashes, none when
    there is no id to ask about, and none for a single id whose answer is cached."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if len(ids) != 1:
        return _lookup(ids)
    (user_id,) = ids
    found = cache.get(app_settings.LOCK_CACHE, _cache_key(user_id))
    if found is None:
        found = bool(_lookup(ids))
        cache.set(app_settings.LOCK_CACHE, _cache_key(user_id), found, CACHE_SECONDS)
    return ids if found else set()


def _lookup(ids):
    from .models import ForgottenUser

    by_hash = {digest: user_id for user_id in ids for digest in user_hashes(user_id)}
    hashes = list(by_hash)
    found = set()
    for start in range(0, len(hashes), BATCH):
        found.update(by_hash[digest] for digest in ForgottenUser.objects.filter(
            user_hash__in=hashes[start:start + BATCH]).values_list("user_hash", flat=True))
    return found


def is_forgotten(user_id):
    """Return whether ``user_id`` was forgotten (False for None, without a query)."""
    return user_id is not None and bool(forgotten_ids([user_id]))


def without_forgotten(objects):
    """Return the objects (anything with a ``user_id``, e.g. unsaved events) whose user was not forgotten."""
    objects = list(objects)
    forgotten = forgotten_ids({getattr(obj, "user_id", None) for obj in objects})
    return [obj for obj in objects if getattr(obj, "user_id", None) not in forgotten] if forgotten else objects

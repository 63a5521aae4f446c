"""Writes that a page makes as it renders (the product view, the impressions of every placement), stored together
after the response: one bulk insert per table, whatever the number of tags on the page.

::

    from ai_commerce import deferred

    deferred.create(Interaction, event)          # inside a request: stored after the response; outside: now
    deferred.create(PlacementEvent, {"placement": "similar", ...}, ...)   # dicts become instances when written

Inside a request cycle (between Django's ``request_started`` and ``request_finished`` signals, which every WSGI and
ASGI server and the test client send), objects are kept per request and written when the response is finished, so
the shopper does not wait for them; they share one transaction. Outside one (a management command, a template
rendered from a task), they are written at once. Django closes its database connections at the end of a request
before these writes, so they reuse a persistent connection (``CONN_MAX_AGE``) and otherwise open one and close it
again. A failed write is logged with the number of rows and never reaches the shopper. Rows of a forgotten user
(``ai_commerce.privacy``) are left out, with one lookup for the whole write.

These are a page's records of what it showed, not the shop's business: an insert that finds the database locked
(SQLite, while another request writes) is tried again a few times within ``LOCKED_RETRY_DELAYS`` and then dropped with
a log line. Orders, reviews and prices are the host's own writes and never pass through here.
"""

import contextvars
import logging
import time

from django.core.signals import request_finished, request_started
from django.db import OperationalError, connections, transaction

logger = logging.getLogger(__name__)
_pending = contextvars.ContextVar("ai_commerce_deferred", default=None)
#: The pauses (seconds) before each new try of a write that found the database locked: under a second in all.
LOCKED_RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4)


def create(model, *rows):
    """Store ``rows`` of ``model`` (instances, or dicts of field values) after the current response, or at once
    outside a request cycle. Dicts become instances only when they are written, off the shopper's time."""
    pending = _pending.get()
    if pending is None:
        _write([(model, row) for row in rows])
    else:
        pending.extend((model, row) for row in rows)


def pending():
    """The rows waiting for the end of the current request, as (model, row) pairs (a copy), for tests."""
    return list(_pending.get() or ())


def flush():
    """Write what the current request has kept, one bulk insert per model; never raise."""
    rows = _pending.get()
    if rows:
        _pending.set([])
        _write(rows)


def _write(rows):
    """Store (model, row) pairs, one bulk insert per model. On their own (after a response) the inserts share one
    transaction, so there is one commit to wait for; if it fails, each model is stored on its own, so that one
    failure loses no other. Inside a caller's transaction they simply join it."""
    by_model = {}
    for model, row in rows:
        try:
            by_model.setdefault(model, []).append(model(**row) if isinstance(row, dict) else row)
        except Exception:
            logger.exception("ai_commerce could not make a %s row of %r", model._meta.label, row)
    by_model = _without_forgotten(by_model)
    own_transaction = not transaction.get_connection().in_atomic_block
    if len(by_model) > 1 and own_transaction:
        try:
            _retry_locked(lambda: _insert_all(by_model))
            return
        except Exception as error:  # noqa: BLE001 - each model is tried again on its own below, and logged there
            if is_locked(error):
                _dropped(by_model)
                return
            for objects in by_model.values():
                for obj in objects:
                    obj.pk = None  # ids handed out by the rolled-back inserts
    for model, objects in by_model.items():
        try:
            if own_transaction:
                _retry_locked(lambda model=model, objects=objects: model.objects.bulk_create(objects))
            else:  # a caller's transaction: a retry inside it could not take a lock it lacks
                model.objects.bulk_create(objects)
        except Exception as error:
            if is_locked(error):
                _dropped({model: objects})
            else:
                logger.exception("ai_commerce could not store %d %s rows", len(objects), model._meta.label)


def _dropped(by_model):
    counts = ", ".join(f"{len(objects)} {model._meta.label}" for model, objects in by_model.items())
    logger.warning("ai_commerce dropped %s rows: the database stayed locked by other writes (a busy SQLite shop; "
                   "see check ai_commerce.W007)", counts)


def _insert_all(by_model):
    with transaction.atomic():
        for model, objects in by_model.items():
            model.objects.bulk_create(objects)


def is_locked(error):
    """Whether ``error`` is SQLite's "database is locked" (or "busy"): another connection holds the write lock."""
    text = str(error).lower()
    return isinstance(error, OperationalError) and ("locked" in text or "busy" in text)


def _retry_locked(write):
    """Run ``write``; while it finds the database locked, pause (``LOCKED_RETRY_DELAYS``) and try again. The last
    failure is raised."""
    for delay in LOCKED_RETRY_DELAYS:
        try:
            return write()
        except OperationalError as error:
            if not is_locked(error):
                raise
            logger.info("ai_commerce: the database is locked; trying the write again in %.2f s", delay)
            time.sleep(delay)
    return write()


def _without_forgotten(by_model):
    """Leave out the rows of forgotten users (one lookup for every model's rows); when the lookup fails, only the
    anonymous rows are kept, since the others cannot be told apart."""
    from . import privacy

    users = {getattr(obj, "user_id", None) for objects in by_model.values() for obj in objects} - {None}
    try:
        forgotten = privacy.forgotten_ids(users)
    except Exception:
        logger.exception("ai_commerce could not check for forgotten users; the rows of signed-in users not stored")
        forgotten = users
    if not forgotten:
        return by_model
    kept = {model: [obj for obj in objects if getattr(obj, "user_id", None) not in forgotten]
            for model, objects in by_model.items()}
    return {model: objects for model, objects in kept.items() if objects}


def _started(**kwargs):
    _pending.set([])


def _finished(**kwargs):
    # Django may have closed its connections before this receiver runs (CONN_MAX_AGE = 0): close again what the
    # writes open, and leave a persistent connection (or a test's) as it is.
    closed = [conn for conn in connections.all() if conn.connection is None]
    flush()
    _pending.set(None)
    for conn in closed:
        if conn.connection is not None:
            conn.close()


def connect():
    request_started.connect(_started, dispatch_uid="ai_commerce_deferred_started")
    request_finished.connect(_finished, dispatch_uid="ai_commerce_deferred_finished")

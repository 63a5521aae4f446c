"""Write the event log.

* ``record_event(kind=..., product=..., user=... or session_key=...)``: one event from shop code (a basket add);
  ``new_event(...)`` checks the same fields and returns it unsaved (the product-view tag stores it after the page).
* ``upsert(events)``: store ``Interaction`` objects keyed by ``event_id``; a repeat updates the stored row.
* ``insert_new(events)``: store events whose ``event_id`` is new; a repeat is ignored (client events).
* ``order_line_events(rows)`` / ``review_events(rows)``: turn the adapter's rows into events, skipping bad rows with
  a reason; signals and the ``ai_commerce_import_history`` backfill both use them, with the same ``event_id``s, so a
  line seen by both is stored once.

No path stores an event of a forgotten user (``ai_commerce.privacy``): the row makers skip theirs with the reason
"user forgotten", and ``record_event``, ``insert_new`` and ``upsert`` leave them out; one lookup per batch.
"""

import logging
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from . import privacy
from .adapter import get_adapter
from .models import Interaction

logger = logging.getLogger(__name__)

#: Sent with ``events`` (Interaction objects, stored or about to be) when shop code, a page's view tag or the event
#: endpoint records them, so that what a capability derives from the log (a visitor's last products) keeps in step
#: without reading it. A failing receiver is logged and never fails the recording.
events_recorded = Signal()

#: The reason a forgotten user's row is skipped.
FORGOTTEN = "user forgotten"

UPDATABLE_FIELDS = ["user", "session_key", "product", "kind", "value", "quantity", "unit_price", "order_ref",
                    "occurred_at", "source"]


def order_line_event_id(pk):
    return f"order-line:{pk}"


def review_event_id(pk):
    return f"review:{pk}"


def actor(request, create_session=True):
    """Return (user id, session key) of whoever made ``request``, creating a session for an anonymous visitor (a
    page view: a browser keeps the cookie, and the visitor's history builds up).

    With ``create_session=False`` (the event endpoint, where a script that keeps no cookie would make a session row
    per request), an anonymous visitor without a session gets none: its events are keyed ``nosession:<random>``, one
    key per request. They still count for popularity and trending and co-occur within their batch, but join no
    visitor's history, and nothing identifies the visitor (no fingerprint of IP or browser)."""
    if request.user.is_authenticated:
        return request.user.pk, ""
    if request.session.session_key is None:
        if not create_session:
            import secrets

            return None, f"nosession:{secrets.token_hex(16)}"
        request.session.save()
    return None, request.session.session_key


def announce(events):
    """Send ``events_recorded`` for ``events``; never raise."""
    if not events:
        return
    for receiver, error in events_recorded.send_robust(sender=Interaction, events=list(events)):
        if isinstance(error, Exception):
            logger.error("ai_commerce: %r failed on recorded events", receiver, exc_info=error)


def new_event(*, kind, product, user=None, session_key="", quantity=1, value=None, unit_price=None,
              source=Interaction.Source.APP, event_id=None, occurred_at=None):
    """Return an unsaved event, or raise ValueError saying what is wrong with it."""
    if kind not in Interaction.Kind.values:
        raise ValueError(f"unknown event kind {kind!r}; expected one of {', '.join(Interaction.Kind.values)}")
    user_id = getattr(user, "pk", user)
    if user_id is None and not session_key:
        raise ValueError("an event needs a user or a session key")
    return Interaction(
        user_id=user_id, session_key=session_key or "", product_id=getattr(product, "pk", product), kind=kind,
        quantity=quantity, value=value, unit_price=unit_price, source=source, event_id=event_id,
        occurred_at=occurred_at or timezone.now(),
    )


def record_event(*, event_id=None, **fields):
    """Store one event (the fields of ``new_event``) and return it. An ``event_id`` already stored returns the
    stored event unchanged; a forgotten user's event is returned unsaved (``pk`` None)."""
    event = new_event(event_id=event_id, **fields)
    if privacy.is_forgotten(event.user_id):
        return event
    if event_id:
        existing = Interaction.objects.filter(event_id=event_id).first()
        if existing is not None:
            return existing
    event.save(force_insert=True)
    announce([event])
    return event


def _known_ids(ids, batch_size=2000):
    known = set()
    for start in range(0, len(ids), batch_size):
        known.update(Interaction.objects.filter(event_id__in=ids[start:start + batch_size])
                     .values_list("event_id", flat=True))
    return known


def insert_new(events):
    """Insert events whose ``event_id`` is not stored yet (or that have none), but none of a forgotten user. Return
    how many were inserted."""
    events = privacy.without_forgotten(events)
    known = _known_ids([e.event_id for e in events if e.event_id])
    new = [e for e in events if e.event_id not in known]
    Interaction.objects.bulk_create(new, ignore_conflicts=True)
    announce(new)
    return len(new)


def upsert(events, batch_size=2000):
    """Insert events, or update those whose ``event_id`` is already stored; a forgotten user's are left out (the row
    makers have skipped them already, with a reason; this guards shop code that calls it). Return how many rows were
    new."""
    events = privacy.without_forgotten(events)
    if not events:
        return 0
    ids = [e.event_id for e in events]
    known = _known_ids(ids, batch_size)
    Interaction.objects.bulk_create(
        events, batch_size=batch_size, update_conflicts=True, unique_fields=["event_id"],
        update_fields=UPDATABLE_FIELDS,
    )
    return len(set(ids) - known)


def guest_key(order_ref):
    """The actor of a guest order's events: its order, since there is no user."""
    return f"order:{order_ref}"


def order_line_events(rows, skipped):
    """Return purchase events for ``OrderLineRow``s; count each row left out in ``skipped`` by reason. A guest's
    line (no user) is keyed by its order (``guest_key``); a line of an order whose status does not count
    (``ORDER_STATUSES_EXCLUDED``) is left out, and so is a forgotten user's."""
    adapter = get_adapter()
    rows = list(rows)
    forgotten = privacy.forgotten_ids({row.user_id for row in rows})
    events = []
    for row in rows:
        who = row.user_id if row.user_id is not None else row.order_ref
        reason = FORGOTTEN if row.user_id in forgotten else _problem(who, row.product_id, row.created,
                                                                     "user or order")
        if reason is None and row.quantity is not None and row.quantity <= 0:
            reason = "quantity not positive"
        if reason is None and not adapter.counts_as_purchase(row):
            reason = "order status not counted"
        if reason:
            skipped[reason] += 1
            continue
        events.append(Interaction(
            user_id=row.user_id, session_key="" if row.user_id is not None else guest_key(row.order_ref),
            product_id=row.product_id, kind=Interaction.Kind.PURCHASE,
            quantity=row.quantity or 1, unit_price=_money(row.unit_price), order_ref=row.order_ref,
            occurred_at=row.created, source=Interaction.Source.ORDER, event_id=order_line_event_id(row.pk),
        ))
    return events


def sync_order_lines(pks):
    """Bring the purchase events of these order lines in step with the shop: upsert those that count, delete those
    that no longer do (the order was cancelled). In a savepoint; an error is logged and never breaks the host."""
    try:
        with transaction.atomic():
            made = order_line_events(get_adapter().order_lines(pks=pks), Counter())
            Interaction.objects.filter(event_id__in=[order_line_event_id(pk) for pk in pks]).exclude(
                event_id__in=[event.event_id for event in made]).delete()
            return upsert(made)
    except Exception:
        logger.exception("ai_commerce could not record events; the shop's own write went through")
        return 0


def review_events(rows, skipped):
    """Return rating events for ``ReviewRow``s; count each row left out in ``skipped`` by reason (a forgotten
    user's too)."""
    rows = list(rows)
    forgotten = privacy.forgotten_ids({row.user_id for row in rows})
    events = []
    for row in rows:
        reason = FORGOTTEN if row.user_id in forgotten else _problem(row.user_id, row.product_id, row.created)
        if reason is None and row.rating is None:
            reason = "no rating"
        if reason:
            skipped[reason] += 1
            continue
        events.append(Interaction(
            user_id=row.user_id, product_id=row.product_id, kind=Interaction.Kind.RATING, value=float(row.rating),
            occurred_at=row.created, source=Interaction.Source.REVIEW, event_id=review_event_id(row.pk),
        ))
    return events


def _problem(who, product_id, created, actor="user"):
    if who is None or who == "":
        return "no user (guest)" if actor == "user" else f"no {actor}"
    if product_id is None:
        return "no product"
    if created is None:
        return "no date"
    return None


def _money(value):
    return None if value is None else Decimal(value)


def sync_rows(make_events, rows):
    """Upsert the events made from ``rows`` in a savepoint; log and swallow any error (never break the host)."""
    skipped = Counter()
    try:
        with transaction.atomic():
            return upsert(make_events(rows, skipped))
    except Exception:
        logger.exception("ai_commerce could not record events; the shop's own write went through")
        return 0

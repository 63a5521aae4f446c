"""A shopper's newest products in the event log, what a listing's re-rank reads their taste from: read once (one
query), then cached per visitor and kept in step as their events are recorded (``events.events_recorded``), so
that the listing of a shopper it has seen reads no SQL. Events written without the signal (an import) reach the
list when its entry expires (``CACHE_SECONDS``); forgetting a user drops theirs."""

from ai_commerce import cache
from ai_commerce.models import Interaction

from .ranking import TASTE_EVENTS

ALIAS = "default"
CACHE_SECONDS = 300


def _key(user_id, session_key):
    return f"ai_commerce:search:newest:{cache.digest(user_id, '' if user_id is not None else session_key)}"


def newest_products(user_id, session_key):
    """The product ids of the visitor's newest ``TASTE_EVENTS`` events, newest first: a signed-in user's, else the
    session's."""
    key = _key(user_id, session_key)
    found = cache.get(ALIAS, key)
    if found is None:
        events = Interaction.objects.filter(**({"user_id": user_id} if user_id is not None else
                                               {"session_key": session_key}))
        found = list(events.order_by("-occurred_at").values_list("product_id", flat=True)[:TASTE_EVENTS])
        cache.set(ALIAS, key, found, CACHE_SECONDS)
    return found


def remember(events):
    """Put the products of newly recorded events in front of their visitors' cached lists (a visitor without a
    cached list reads the event log when it is next needed)."""
    newest = {}
    for event in sorted(events, key=lambda e: e.occurred_at):
        visitors = [(event.user_id, "")] if event.user_id is not None else []
        if event.session_key:  # the session's list holds its events whoever made them, as the query reads it
            visitors.append((None, event.session_key))
        for visitor in visitors:
            newest.setdefault(visitor, []).insert(0, event.product_id)
    for (user_id, session_key), products in newest.items():
        key = _key(user_id, session_key)
        found = cache.get(ALIAS, key)
        if found is not None:
            cache.set(ALIAS, key, [*products, *found][:TASTE_EVENTS], CACHE_SECONDS)


def forget(user_id):
    cache.delete(ALIAS, _key(user_id, ""))


def events_recorded(sender, events, **kwargs):
    remember(events)

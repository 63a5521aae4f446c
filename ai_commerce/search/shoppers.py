"""A shopper's newest products in the event log, what a listing's re-rank reads their taste from: read once (one
query), then cached per visitor and kept in step as their events are recorded (``events.events_recorded``), so
that the listing of a shopper it has seen reads no SQL. Events written without the signal (an import) reach the
list when its entry expires (``CACHE_SECONDS``). Forgetting a user drops theirs, and the lists of the sessions they
were signed in to (a session's list holds its events whoever made them): each user's recent sessions are noted as
their events are recorded."""

from ai_commerce import cache
from ai_commerce.models import Interaction

from .ranking import TASTE_EVENTS

ALIAS = "default"
CACHE_SECONDS = 300


#: Sessions noted per user, for forgetting them (a user signs in to a few sessions within ``CACHE_SECONDS``).
SESSIONS_NOTED = 20


def _key(user_id, session_key):
    return f"ai_commerce:search:newest:{cache.digest(user_id, '' if user_id is not None else session_key)}"


def _sessions_key(user_id):
    return f"ai_commerce:search:sessions:{cache.digest(user_id)}"


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
    newest, sessions = {}, {}
    for event in sorted(events, key=lambda e: e.occurred_at):
        if event.user_id is not None and event.session_key:
            sessions.setdefault(event.user_id, {})[event.session_key] = None
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
    for user_id, keys in sessions.items():
        noted = cache.get(ALIAS, _sessions_key(user_id)) or []
        cache.set(ALIAS, _sessions_key(user_id), list(dict.fromkeys([*keys, *noted]))[:SESSIONS_NOTED], CACHE_SECONDS)


def forget(user_id):
    """Drop the user's list and those of the sessions they were signed in to."""
    for session_key in cache.get(ALIAS, _sessions_key(user_id)) or []:
        cache.delete(ALIAS, _key(None, session_key))
    cache.delete(ALIAS, _sessions_key(user_id))
    cache.delete(ALIAS, _key(user_id, ""))


def events_recorded(sender, events, **kwargs):
    remember(events)

"""Logged searches read back as ``learning.Session``s: what each showed, and what its shopper then chose (clicks
through its links, baskets and purchases of a shown product attributed to it). The trainer learns from them and the
admin's analytics count conversion per query with them, so both credit a search the same way."""

import bisect
from collections import defaultdict
from datetime import timedelta

from django.db.models import Q

from ai_commerce.models import Interaction

from .models import SearchClick, SearchQuery
from .ranking import TASTE_EVENTS, Session, shopper_affinity


def load_sessions(attribution_days, categories=None, since=None):
    """Every logged search as a ``Session``: its clicks (1), and baskets (2) and purchases (3) of a shown product
    by the same shopper within ``attribution_days`` after it. ``categories`` ({product id: category}): each
    session also carries its shopper's taste, from their newest ``TASTE_EVENTS`` events before the search (as
    the web process reads it when it serves). ``since``: only searches made from then on."""
    logged = SearchQuery.objects.exclude(shown=[])
    if since is not None:
        logged = logged.filter(occurred_at__gte=since)
    searches = list(logged.order_by("occurred_at", "pk")
                    .values("pk", "query", "shown", "offset", "occurred_at", "user_id", "session_key", "swap"))
    if not searches:
        return []
    labels = defaultdict(dict)
    clicks = SearchClick.objects.all() if since is None else SearchClick.objects.filter(search__occurred_at__gte=since)
    for search_id, product_id in clicks.values_list("search_id", "product_id"):
        labels[search_id][product_id] = 1
    first = searches[0]["occurred_at"]
    events = defaultdict(list)  # visitor -> [(when, product, gain)]
    for user_id, session_key, product_id, kind, when in Interaction.objects.filter(
            kind__in=[Interaction.Kind.CART, Interaction.Kind.PURCHASE], occurred_at__gte=first).values_list(
            "user_id", "session_key", "product_id", "kind", "occurred_at"):
        gain = 3 if kind == Interaction.Kind.PURCHASE else 2
        events[("u", user_id) if user_id else ("s", session_key)].append((when, product_id, gain))
    window = timedelta(days=attribution_days)
    taste = _tastes(searches, categories) if categories is not None else (lambda who, at: None)
    sessions = []
    for row in searches:
        who = ("u", row["user_id"]) if row["user_id"] else ("s", row["session_key"])
        shown = set(row["shown"])
        own = labels.get(row["pk"], {})
        for when, product_id, gain in events.get(who, ()):
            if product_id in shown and row["occurred_at"] <= when <= row["occurred_at"] + window:
                own[product_id] = max(own.get(product_id, 0), gain)
        sessions.append(Session(row["query"], list(row["shown"]), dict(own), row["offset"], row["occurred_at"],
                                taste(who, row["occurred_at"]), row["swap"]))
    return sessions


def _tastes(searches, categories):
    """``taste(visitor, at)``: ``shopper_affinity`` of the visitor's newest events before ``at``, or None."""
    users = {row["user_id"] for row in searches if row["user_id"]}
    keys = {row["session_key"] for row in searches if not row["user_id"] and row["session_key"]}
    history = defaultdict(lambda: ([], []))
    for user_id, session_key, product_id, when in Interaction.objects.filter(
            Q(user_id__in=users) | Q(session_key__in=keys)).order_by("occurred_at").values_list(
            "user_id", "session_key", "product_id", "occurred_at"):
        if product_id in categories:
            who = ("u", user_id) if user_id else ("s", session_key)
            history[who][0].append(when)
            history[who][1].append((product_id, categories[product_id]))

    def taste(who, at):
        whens, events = history.get(who, ((), ()))
        end = bisect.bisect_left(whens, at)
        return shopper_affinity(events[max(0, end - TASTE_EVENTS):end]) or None

    return taste

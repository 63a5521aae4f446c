"""Popularity from the event log: what every placement serves while no recommendations version is active.

A new shop, or one whose models were never promoted, still has events. Rather than catalogue order, serving ranks
products by what was bought recently (the newest ``RECENT_DAYS`` before the newest event, never the wall clock), then
bought at all, then touched at all, overall and per category::

    from ai_commerce.recommendations import popularity

    popularity.ranked("Mugs")   # [(product_id, score, reason, because_id, category), ...]; "" for the whole shop

Products bought in the recent window carry the "trending" reason ("Trending in Mugs", "Trending now"), the rest
"popular". The table costs one grouped query (the newest event and each product's category are subqueries) and is
cached for ``RECOMMENDATIONS["CACHE_SECONDS"]``; with no events at all it is empty, and serving falls back to the
catalogue.
"""

from datetime import timedelta

from django.db.models import Count, DateTimeField, ExpressionWrapper, OuterRef, Q, Subquery

from ai_commerce import cache
from ai_commerce.adapter import get_adapter
from ai_commerce.conf import app_settings
from ai_commerce.models import Interaction

from .models import Reason

CACHE_KEY = "ai_commerce:recommendations:popularity"
RECENT_DAYS = 30
PER_LIST = 150  # MAX_K times the serving over-fetch, per category and overall
SCANNED = 5000  # the most-bought products read to build the lists


def ranked(category=""):
    """Return the popularity rows of ``category`` ("" for the whole shop), best first, in the columns of a serving
    row: (product_id, score, reason, because_id, category)."""
    return table().get(category or "", [])


def table():
    """Return ``{category or "": [row, ...]}`` from the event log (cached)."""
    conf = app_settings.RECOMMENDATIONS
    found = cache.get(conf["CACHE"], CACHE_KEY)
    if found is None:
        found = build()
        cache.set(conf["CACHE"], CACHE_KEY, found, conf["CACHE_SECONDS"])
    return found


def build():
    """Count the event log into popularity lists: recent purchases, then all purchases, then any event (one query)."""
    adapter = get_adapter()
    newest = Interaction.objects.order_by("-occurred_at").values("occurred_at")[:1]
    since = ExpressionWrapper(Subquery(newest) - timedelta(days=RECENT_DAYS), output_field=DateTimeField())
    bought = Q(kind=Interaction.Kind.PURCHASE)
    counts = Interaction.objects.values("product_id").annotate(
        recent=Count("pk", filter=bought & Q(occurred_at__gte=since)), bought=Count("pk", filter=bought),
        touched=Count("pk"))
    if adapter.has("category"):
        shelf = adapter.products(adapter.get_product_queryset().filter(pk=OuterRef("product_id")))
        counts = counts.annotate(category=Subquery(shelf.values("ai_category")[:1]))
    lists = {"": []}
    for row in counts.order_by("-recent", "-bought", "-touched", "product_id")[:SCANNED]:
        category = row.get("category") or ""
        reason = Reason.TRENDING if row["recent"] else Reason.POPULAR
        score = float(row["recent"] or row["bought"] or row["touched"])
        for key in {"", category}:
            rows = lists.setdefault(key, [])
            if len(rows) < PER_LIST:
                rows.append((row["product_id"], score, reason, None, key))
    return lists if lists[""] else {}

"""Search analytics for the admin: top queries, queries that found nothing, click-through by position and
conversion per query, over a window ending at the newest search (not the wall clock).

Conversion is credited as the trainer credits it (``sessions.load_sessions``): a search converts when its shopper
put a product it showed in the basket (or bought it) within ``ATTRIBUTION_DAYS``; it is ordered when they bought one.
"""

from datetime import timedelta

from django.db.models import Count, Max, Q

from ai_commerce.tuning import tuned

from .models import SearchClick, SearchQuery
from .sessions import load_sessions

WINDOW_DAYS = 30
POSITIONS = 10


def window():
    newest = SearchQuery.objects.aggregate(newest=Max("occurred_at"))["newest"]
    return None if newest is None else newest - timedelta(days=WINDOW_DAYS)


def report(limit=10):
    since = window()
    if since is None:
        return None
    searches = SearchQuery.objects.filter(occurred_at__gte=since)
    top = list(searches.values("normalised").annotate(searches=Count("pk", distinct=True),
                                                      click_count=Count("clicks", distinct=True),
                                                      clicked=Count("clicks__search", distinct=True))
               .order_by("-searches", "normalised")[:limit])
    converted, ordered = conversions(since, {row["normalised"] for row in top})
    for row in top:
        row["clicks"] = row.pop("click_count")
        # Click-through: the share of searches with a click (a search may draw several clicks).
        row["ctr"] = 100 * row["clicked"] / row["searches"] if row["searches"] else 0.0
        row["converted"], row["ordered"] = converted.get(row["normalised"], 0), ordered.get(row["normalised"], 0)
        row["conversion"] = 100 * row["converted"] / row["searches"] if row["searches"] else 0.0
    zero = list(searches.filter(total=0).values("normalised").annotate(searches=Count("pk"))
                .order_by("-searches", "normalised")[:limit])
    totals = searches.aggregate(searches=Count("pk"), zero_count=Count("pk", filter=Q(total=0)),
                                rescued=Count("pk", filter=~Q(rescue="")))
    clicks = dict(SearchClick.objects.filter(search__occurred_at__gte=since, position__lte=POSITIONS)
                  .values_list("position").annotate(n=Count("pk")))
    # Searches that showed at least p results, per position p: shown lists are short, so count them in Python.
    shown = [0] * (POSITIONS + 1)
    for offset, items in searches.values_list("offset", "shown"):
        for p in range(offset + 1, min(offset + len(items or ()), POSITIONS) + 1):
            shown[p] += 1
    ctr = [(p, 100 * clicks.get(p, 0) / shown[p] if shown[p] else 0.0) for p in range(1, POSITIONS + 1)]
    return {"since": since, "top": top, "zero": zero, "ctr_by_position": ctr, **totals,
            "zero_rate": 100 * totals["zero_count"] / totals["searches"] if totals["searches"] else 0.0}


def conversions(since, keys):
    """``({query: searches that led to a basket or order}, {query: searches that led to an order})`` for the
    normalised queries ``keys``, searches made from ``since`` on."""
    converted, ordered = {}, {}
    for s in load_sessions(tuned("SEARCH")["ATTRIBUTION_DAYS"], since=since):
        best = max(s.labels.values(), default=0)
        if s.key in keys and best >= 2:
            converted[s.key] = converted.get(s.key, 0) + 1
            ordered[s.key] = ordered.get(s.key, 0) + (best == 3)
    return converted, ordered

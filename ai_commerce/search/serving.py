"""What the web process searches with: the serving version's index and ranker (loaded once per version), and the
staff synonyms, looked up again every ``REFRESH_SECONDS``.

Before the first training, the index is built here from the shop's products (pure Python, one query for the
products and one for their popularity), so a shop searches from the moment it installs the app; the worker's
index replaces it once a version serves.
"""

import threading
import time
from collections import Counter
from functools import cached_property

from django.core.signals import setting_changed
from django.db.models import Count
from django.db.models.signals import post_delete, post_save

from ai_commerce import registry
from ai_commerce.adapter import get_adapter
from ai_commerce.conf import app_settings
from ai_commerce.models import Interaction, ModelVersion

from . import text
from .index import SearchIndex
from .models import SearchQuery, Synonym
from .ranking import Ranker

clock = time.monotonic
_lock = threading.Lock()
_state = {}
POPULAR_QUERIES = 500


class State:
    """The serving version's index and ranker; the staff synonyms and the popular past queries are read on first
    use (a listing re-rank needs neither)."""

    def __init__(self, version, index, ranker, checked):
        self.version, self.index, self.ranker, self.checked = version, index, ranker, checked

    @cached_property
    def synonyms(self):
        """Staff synonyms, and those the trainer learned from what shoppers chose (staff's first)."""
        merged = {word: list(words) for word, words in self.ranker.synonyms.items()}
        for word, words in synonym_map(Synonym.objects.all()).items():
            merged[word] = [*words, *(w for w in merged.get(word, ()) if w not in words)]
        return merged

    @cached_property
    def popular_queries(self):
        return popular_queries()


def reset(**kwargs):
    _state.clear()


setting_changed.connect(reset)
post_save.connect(reset, sender=Synonym)
post_delete.connect(reset, sender=Synonym)


def catalogue_rows(adapter=None):
    """(id, title, category, description) of every active product, in one query."""
    adapter = adapter or get_adapter()
    queryset = adapter.products()
    if adapter.has("active"):
        queryset = queryset.filter(ai_active=True)
    names = [f"ai_{a}" if adapter.has(a) else None for a in ("title", "category", "description")]
    wanted = ["pk", *[n for n in names if n]]
    for row in queryset.order_by("pk").values(*wanted):
        yield (row["pk"], *[row[n] if n else "" for n in names])


def popularity(since=None):
    """Purchases and baskets per product (a basket counts a third), in one grouped query."""
    events = Interaction.objects.filter(kind__in=[Interaction.Kind.PURCHASE, Interaction.Kind.CART])
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    counts = Counter()
    for row in events.values("product_id", "kind").annotate(n=Count("pk")):
        counts[row["product_id"]] += row["n"] * (1.0 if row["kind"] == Interaction.Kind.PURCHASE else 1 / 3)
    return counts


def synonym_map(rows):
    """``{word: [synonyms]}`` from staff ``Synonym`` rows; a two-way row maps each of its words to the others."""
    out = {}
    for row in rows:
        group = [row.word, *row.terms()]
        keys = group if row.two_way else [row.word]
        for key in keys:
            words = text.tokens(key)
            if len(words) == 1:  # a phrase is found through its own words
                out.setdefault(words[0], []).extend(g for g in group if g != key)
    return out


def popular_queries():
    """The shop's most frequent queries that found something, as (normalised query, searches), most first."""
    rows = (SearchQuery.objects.filter(total__gt=0).values("normalised").annotate(n=Count("pk"))
            .order_by("-n", "normalised")[:POPULAR_QUERIES])
    return [(row["normalised"], row["n"]) for row in rows]


def state():
    """The serving ``State``, refreshed when older than ``REFRESH_SECONDS``."""
    now = clock()
    current = _state.get("current")
    if current is not None and now - current.checked < app_settings.SEARCH["REFRESH_SECONDS"]:
        return current
    with _lock:
        version = ModelVersion.objects.of_kind("search").active().only("pk", "artifacts").first()
        pk = version.pk if version else None
        if current is not None and current.version == pk and pk is not None:
            index, ranker = current.index, current.ranker
        elif version is not None:
            with registry.open_artifact(version, "index.json") as f:
                index = SearchIndex.loads(f.read())
            with registry.open_artifact(version, "ranker.json") as f:
                ranker = Ranker.loads(f.read())
        else:
            index, ranker = SearchIndex.build(catalogue_rows(), popularity()), Ranker()
        current = State(pk, index, ranker, now)
        _state["current"] = current
    return current

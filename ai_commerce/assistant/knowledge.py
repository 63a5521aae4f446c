"""What the assistant keeps in memory per process, rebuilt when its source changes: the intent classifier of the
active version (or the cold-start centroids), the FAQ index and the product-title index.

Facts (stock, prices, orders, reviews) are never cached: an answerer reads them live through the adapter.
"""

import json
import threading
import time
from functools import cached_property

from django.db.models import Count, Max

from ai_commerce import product_lookup, registry
from ai_commerce.adapter import get_adapter
from ai_commerce.models import ModelVersion
from ai_commerce.product_lookup import NamedProduct

from . import intents
from . import text as text_module
from .classifier import CentroidIntents, LinearIntents
from .models import FaqEntry
from .retrieval import LexicalIndex, terms

TITLES_SECONDS = 300
_lock = threading.Lock()
_cache = {}


def _cached(name, key, build):
    with _lock:
        held = _cache.get(name)
        if held is not None and held[0] == key:
            return held[1]
    value = build()
    with _lock:
        _cache[name] = (key, value)
    return value


def clear():
    """Forget everything held (tests, and after settings change)."""
    with _lock:
        _cache.clear()


def faq_entries():
    return FaqEntry.objects.filter(is_published=True)


def faq_state():
    """(count, newest change) of the published FAQ: one query that says whether the index is stale."""
    state = faq_entries().aggregate(n=Count("pk"), newest=Max("updated_at"))
    return state["n"], state["newest"]


def classifier():
    """The active version's intent model, or the cold-start centroids of the built-in and FAQ examples."""
    version = ModelVersion.objects.of_kind("assistant").active().values_list("pk", "artifacts").first()
    if version and "intents.json" in (version[1] or {}):
        def load():
            row = ModelVersion.objects.get(pk=version[0])
            with registry.open_artifact(row, "intents.json") as handle:
                return LinearIntents.from_json(json.loads(handle.read()))

        return _cached("classifier", ("version", version[0]), load)

    def centroids():
        examples = [e for entry in faq_entries() for e in [entry.title, *entry.example_list()]]
        return CentroidIntents(*intents.training_examples(examples))

    return _cached("classifier", ("cold", faq_state()), centroids)


class FaqIndex:
    def __init__(self, entries):
        self.entries = {entry.pk: entry for entry in entries}
        # The question and its examples count twice: they are how shoppers ask; the answer says what is known.
        self.index = LexicalIndex([(entry.pk, " ".join([entry.title, entry.title, *entry.example_list(),
                                                        *entry.example_list(), entry.answer]))
                                   for entry in entries])

    def search(self, query, k=3):
        """Return ``[(entry, coverage)]``, best first: the share of the question's words the entry holds."""
        return [(self.entries[pk], self.index.coverage(query, pk)) for pk, _score in self.index.search(query, k)]


def faq_index():
    return _cached("faq", faq_state(), lambda: FaqIndex(list(faq_entries())))


class TitleIndex:
    """The shop's product titles, to find a product the shopper names. The products on sale are found through the
    search capability's index when it is installed (``ai_commerce.product_lookup``: the same typos, stems and
    synonyms as the search box); the others (no longer on sale, which a shopper may still ask about), and every
    product without search, through a lexical index of their titles, built on first use."""

    def __init__(self, titles, off_sale=()):
        self.titles, self.off_sale = titles, set(off_sale)

    @cached_property
    def own(self):
        """The titles this index matches itself: all of them without a finder, else those off sale."""
        if product_lookup.available():
            return {pk: title for pk, title in self.titles.items() if pk in self.off_sale}
        return self.titles

    @cached_property
    def index(self):
        return LexicalIndex(list(self.own.items()))

    @cached_property
    def terms(self):
        return {pk: set(terms(title)) for pk, title in self.own.items()}

    def named(self, message):
        """The products ``message`` names, as ``NamedProduct``s (the finder's, then this index's)."""
        found = product_lookup.named_in(message) or []
        return [n for n in found if n.product_id in self.titles] + (self._named_here(message) if self.own else [])

    def _named_here(self, message):
        asked = set(self.index.query_terms(message))
        found = []
        for pk, score in self.index.search(message, k=25):
            held = self.terms[pk] & asked
            by = tuple(w for w in text_module.words(message) if set(self.index.query_terms(w)) & held)
            found.append(NamedProduct(pk, len(held), len(self.terms[pk]), score, by))
        return found

    def find(self, message, minimum_share=0.66):
        """Return the product ids the message names best (several when they tie), or []."""
        best, found = (0, 0), []
        for named in self.named(message):
            if named.share < minimum_share or named.matched < min(2, named.title_words):
                continue
            rank = (named.share, named.matched)
            if rank > best:
                best, found = rank, [named.product_id]
            elif rank == best:
                found.append(named.product_id)
        return found

    def without_titles(self, message):
        """``message`` without the words of the product titles it names: a product's name says nothing of what is
        asked about it, and its rare words would drown the few that do."""
        found = set(self.find(message))
        if not found:
            return message
        named = {w for n in self.named(message) if n.product_id in found for w in n.words}
        kept = [w for w in message.split() if not (set(text_module.words(w)) & named)]
        return " ".join(kept) or message


def title_index():
    bucket = int(time.monotonic() // TITLES_SECONDS)

    def build():
        adapter = get_adapter()
        values = adapter.product_values()
        return TitleIndex({pk: str(v.get("title") or "") for pk, v in values.items() if v.get("title")},
                          off_sale={pk for pk, v in values.items() if v.get("active") is False})

    return _cached("titles", bucket, build)


def product_titles(ids):
    """``{product_id: title}`` of the given products, from the title index (no query)."""
    titles = title_index().titles
    return {pk: titles.get(pk, f"product {pk}") for pk in ids}

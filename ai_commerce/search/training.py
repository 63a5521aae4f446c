"""Train search: build the index of the catalogue, then learn (and judge) the ranking from the shop's own search
sessions (``learning.learn``). Worker only.

The version always carries a fresh index. Its ranking is what won on the held-out sessions: the learned ranker
only when it beat lexical alone and lexical plus popularity; otherwise the better of those two serves, and the
version (and the dashboard) says why. A version is promoted when its held-out NDCG@10 is no worse than both
baselines' (true by construction, since what serves is the best of them), so each night's index goes live.
"""

import bisect
from collections import defaultdict
from datetime import timedelta

from django.db.models import Max, Q

from ai_commerce import registry
from ai_commerce.models import Interaction, ModelVersion
from ai_commerce.tuning import tuned

from . import learning, serving
from .index import SearchIndex
from .learning import Session
from .models import SearchClick, SearchQuery
from .ranking import TASTE_EVENTS, shopper_affinity

POPULARITY_DAYS = 90


def load_sessions(attribution_days, categories=None):
    """Every logged search as a ``Session``: its clicks (1), and baskets (2) and purchases (3) of a shown product
    by the same shopper within ``attribution_days`` after it. ``categories`` ({product id: category}): each
    session also carries its shopper's taste, from their newest ``TASTE_EVENTS`` events before the search (as
    the web process reads it when it serves)."""
    searches = list(SearchQuery.objects.exclude(shown=[]).order_by("occurred_at", "pk")
                    .values("pk", "query", "shown", "offset", "occurred_at", "user_id", "session_key"))
    if not searches:
        return []
    labels = defaultdict(dict)
    for search_id, product_id in SearchClick.objects.values_list("search_id", "product_id"):
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
                                taste(who, row["occurred_at"])))
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
            history[who][1].append(categories[product_id])

    def taste(who, at):
        whens, cats = history.get(who, ((), ()))
        end = bisect.bisect_left(whens, at)
        return shopper_affinity(cats[max(0, end - TASTE_EVENTS):end]) or None

    return taste


def train(reporter):
    conf = tuned("SEARCH")
    reporter.progress(5, "reading the catalogue")
    rows = list(serving.catalogue_rows())
    if not rows:
        raise registry.NotEnoughData(0, 1, "active products", hint="add products, or mark some active")
    newest = Interaction.objects.aggregate(newest=Max("occurred_at"))["newest"]
    popular = serving.popularity(newest - timedelta(days=POPULARITY_DAYS) if newest else None)
    reporter.progress(20, f"indexing {len(rows)} products")
    index = SearchIndex.build(rows, popular)
    reporter.log(f"index of {len(index.ids)} products, {len(index.words)} words")
    reporter.progress(40, "reading search sessions")
    sessions = load_sessions(conf["ATTRIBUTION_DAYS"], dict(zip(index.ids, index.categories, strict=True)))
    reporter.progress(55, f"learning the ranking from {len(sessions)} searches")
    ranker, metrics = learning.learn(index, sessions, holdout=conf["HOLDOUT_SHARE"],
                                     min_sessions=conf["MIN_SESSIONS"])
    metrics["products"] = len(index.ids)
    ranker.synonyms = learning.learned_synonyms(sessions, index)
    metrics["learned_synonyms"] = ranker.synonyms
    reporter.log(metrics["reason"])
    ats = [s.at for s in sessions if s.at]
    version = ModelVersion.objects.create(kind="search", params={"ranker": ranker.kind}, metrics=metrics,
                                          data_start=min(ats) if ats else None, data_end=max(ats) if ats else None)
    registry.save_artifact(version, "index.json", index.dumps())
    registry.save_artifact(version, "ranker.json", ranker.dumps())
    reporter.progress(90, "promoting")
    if "ndcg_at_10" in metrics:
        registry.promote_if_better(version, metric="ndcg_at_10", compare_active=False,
                                   baselines=["lexical_ndcg_at_10", "lexical_popularity_ndcg_at_10"])
    else:  # nothing to judge a ranking on: the fresh index serves with the lexical ranking, and says why
        registry.activate(version, note=f"Promoted: a fresh index. {metrics['reason']}")
    version.refresh_from_db()
    return version

"""Train search: build the index of the catalogue, then learn (and judge) the ranking from the shop's own search
sessions (``learning.learn``). Worker only.

The version always carries a fresh index. Its ranking is what won on the held-out sessions: the learned ranker
only when it beat lexical alone and lexical plus popularity; otherwise the better of those two serves, and the
version (and the dashboard) says why. A version is promoted when its held-out NDCG@10 is no worse than both
baselines' (true by construction, since what serves is the best of them), so each night's index goes live.
"""

from datetime import timedelta

from django.db.models import Max

from ai_commerce import registry
from ai_commerce.models import Interaction, ModelVersion
from ai_commerce.tuning import tuned

from . import learning, serving
from .index import SearchIndex
from .sessions import load_sessions

POPULARITY_DAYS = 90
#: The baskets and purchases the taste groups are learned from: this many days up to the newest event.
GROUP_DAYS = 365


def basket_events(since=None):
    """The shop's baskets and purchases as (shopper, product id, when), the shopper a user or a guest's session:
    who bought what, from which ``learning.taste_groups`` groups the products."""
    events = Interaction.objects.filter(kind__in=[Interaction.Kind.CART, Interaction.Kind.PURCHASE])
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    return [(user_id or f"s:{session_key}", product_id, when)  # a user's id, or a guest's session (a str)
            for user_id, session_key, product_id, when in events.values_list(
                "user_id", "session_key", "product_id", "occurred_at").iterator(chunk_size=10_000)
            if user_id or session_key]


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
    events = basket_events(newest - timedelta(days=GROUP_DAYS) if newest else None)
    ranker, metrics = learning.learn(index, sessions, holdout=conf["HOLDOUT_SHARE"],
                                     min_sessions=conf["MIN_SESSIONS"], events=events)
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

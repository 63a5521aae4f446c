"""Precompute a version's serving tables from its model: similar, bought together, trending, every user's top-K.

    from ai_commerce.recommendations import precompute
    precompute.write_serving_tables(version, model, conf)   # everything, users in chunks, in this process
    precompute.write_item_tables(version, model, conf)      # similar, bought together, trending
    precompute.write_cycles(version, cycles)                # each product's repurchase cycle (buy it again)
    precompute.user_chunks(model, conf)                     # the users to score, in chunks
    precompute.score_users(version, user_ids)               # one chunk (what a chunk task of the fan-out runs)

Runs in workers only: ``load_model`` reads the engine from the version's artifacts. A forgotten user
(``ai_commerce.privacy``) gets no list, even from a model trained before they were forgotten or a chunk queued then.
"""

import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from ai_commerce import privacy, registry
from ai_commerce.adapter import get_adapter
from ai_commerce.tuning import tuned

from .models import Recommendation, RelatedProduct, RepurchaseCycle, TrendingProduct

_loaded = {}


def load_model(version):
    """Return the engine model of ``version`` from its artifacts (cached per process; workers only)."""
    from .engine import Recommender

    if version.pk not in _loaded:
        with tempfile.TemporaryDirectory() as folder:
            for name in version.artifacts:
                if name.startswith("model/"):
                    target = Path(folder) / name.removeprefix("model/")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with registry.open_artifact(version, name) as f:
                        target.write_bytes(f.read())
            _loaded.clear()
            _loaded[version.pk] = Recommender.load(folder)
    return _loaded[version.pk]


def write_item_tables(version, model, conf):
    """Write the version's similar, bought-together and trending rows (in bulk, in one transaction)."""
    known = set(get_adapter().get_product_queryset().values_list("pk", flat=True))
    related = []
    for kind, table in ((RelatedProduct.Kind.SIMILAR, model.similar(conf["RELATED_K"])),
                        (RelatedProduct.Kind.BOUGHT_TOGETHER, model.bought_together(conf["RELATED_K"]))):
        for source, recs in table.items():
            related += [RelatedProduct(model_version=version, source_id=source, kind=kind, **_row(rank, rec, known))
                        for rank, rec in enumerate(_known(recs, known), 1)] if source in known else []
    trending = [TrendingProduct(model_version=version, **{**_row(rank, rec, known), "category": category or ""})
                for category, recs in model.trending(conf["TOP_K"]).items()
                for rank, rec in enumerate(_known(recs, known), 1)]
    with transaction.atomic():
        RelatedProduct.objects.bulk_create(related, batch_size=2000)
        TrendingProduct.objects.bulk_create(trending, batch_size=2000)


def write_cycles(version, cycles):
    """Write the version's repurchase cycle of every product the shop still has (``engine.repurchase.Cycles``;
    None: buy it again is off, nothing to write)."""
    if cycles is None:
        return
    known = set(get_adapter().get_product_queryset().values_list("pk", flat=True))
    RepurchaseCycle.objects.bulk_create(
        [RepurchaseCycle(model_version=version, product_id=item, days=cycle.days, repeat_share=cycle.repeat_share,
                         buyers=cycle.buyers, repeat_buyers=cycle.repeat_buyers, recent_buyers=cycle.recent_buyers)
         for item, cycle in cycles.products.items() if item in known], batch_size=2000)


def user_chunks(model, conf):
    """The model's users that still exist and were not forgotten, in chunks of ``CHUNK_SIZE``."""
    existing = set(get_user_model()._default_manager.values_list("pk", flat=True))
    users = [user for user in model.users() if user in existing]
    forgotten = privacy.forgotten_ids(users)
    users = [user for user in users if user not in forgotten]
    return [users[i:i + conf["CHUNK_SIZE"]] for i in range(0, len(users), conf["CHUNK_SIZE"])]


def write_serving_tables(version, model, conf, on_progress=None):
    """Write every serving table of the version in this process: the item tables, then the users' top-K."""
    write_item_tables(version, model, conf)
    chunks = user_chunks(model, conf)
    for done, chunk in enumerate(chunks, 1):
        score_users(version, chunk, model=model, top_k=conf["TOP_K"])
        if on_progress:
            on_progress(done * 100 // len(chunks))


def score_users(version, user_ids, model=None, top_k=None):
    """Write the top-K of ``user_ids`` for ``version`` (idempotent: the chunk's rows are replaced); a forgotten
    user's are only removed."""
    chunk = list(user_ids)
    forgotten = privacy.forgotten_ids(chunk)
    user_ids = [user for user in chunk if user not in forgotten]
    rows = []
    if user_ids:
        model = model or load_model(version)
        known = set(get_adapter().get_product_queryset().values_list("pk", flat=True))
        rows = [Recommendation(model_version=version, user_id=user, **_row(rank, rec, known))
                for user, recs in model.recommend(user_ids, top_k or tuned("RECOMMENDATIONS")["TOP_K"]).items()
                for rank, rec in enumerate(_known(recs, known), 1)]
    with transaction.atomic():
        Recommendation.objects.filter(model_version=version, user_id__in=chunk).delete()
        Recommendation.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _known(recs, known):
    return [rec for rec in recs if rec.item in known]


def _row(rank, rec, known):
    because = rec.because if rec.because in known else None
    return {"product_id": rec.item, "rank": rank, "score": float(rec.score), "reason": rec.reason,
            "because_id": because, "category": rec.category or ""}


def delete_serving_rows(version):
    for model in (Recommendation, RelatedProduct, TrendingProduct, RepurchaseCycle):
        model.objects.filter(model_version=version).delete()

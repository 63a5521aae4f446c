"""Train recommendations in a worker: read the event log, fit the two-stage engine, write the serving tables.

The engine (``engine.train``) evaluates the new model and the baselines on the newest days held out, then fits on all
events. This module stores the model's artifacts, precomputes the serving tables of the new version (users in
chunks, so that large shops can fan the chunks out across workers), and asks the registry to promote the version:
only when its Recall@10 is at least the active version's and the best baseline's. A version that is not promoted
keeps its metrics and artifacts but not its serving rows.
"""

import datetime as dt
import tempfile
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import transaction

from ai_commerce import registry
from ai_commerce.adapter import get_adapter
from ai_commerce.conf import app_settings
from ai_commerce.models import Interaction, ModelVersion
from ai_commerce.tuning import tuned

from .models import Recommendation, RelatedProduct, TrendingProduct

METRIC = "recall_at_10"
HINT = "import more order history, or lower PARAMS holdout_min_users or raise holdout_max_share"
_loaded = {}


def interactions():
    """Return the event log as engine rows: (user, product, time, kind, quantity, order)."""
    from .engine import Interactions

    rows = Interaction.objects.filter(user__isnull=False).order_by("occurred_at").values_list(
        "user_id", "product_id", "occurred_at", "kind", "quantity", "order_ref")
    return Interactions.from_rows(rows.iterator(chunk_size=5000))


def products():
    """Return the engine's product features from the shop adapter."""
    out = {}
    for pk, values in get_adapter().product_values().items():
        price = values.get("price")
        out[pk] = {"title": values.get("title") or "", "description": values.get("description") or "",
                   "category": values.get("category") or None, "price": float(price) if price is not None else None}
    return out


def flat_metrics(metrics):
    """The engine's metrics with each baseline as top-level keys, as the registry compares them."""
    flat = {key: value for key, value in metrics.items() if key != "baselines"}
    for name, values in (metrics.get("baselines") or {}).items():
        for key, value in values.items():
            flat[f"{name}_{key}"] = value
    baselines = [flat.get(f"{name}_{METRIC}") for name in metrics.get("baselines") or {}]
    baselines = [value for value in baselines if value is not None]
    flat[f"best_baseline_{METRIC}"] = max(baselines) if baselines else 0.0
    return flat


def train(reporter):
    from . import engine

    conf = tuned("RECOMMENDATIONS")
    reporter.progress(5, "reading the event log")
    events = interactions()
    params = {**engine.default_params(), **conf["PARAMS"]}
    try:
        # The held-out window ends at the newest event, not today: a quiet month or last year's import is judged
        # on its own newest days.
        model = engine.train(events, products(), params,
                             on_progress=lambda pct, msg: reporter.progress(10 + int(pct * 0.6), msg))
    except engine.NotEnoughData as exc:
        raise registry.NotEnoughData(exc.have, exc.need, exc.what, hint=HINT) from exc
    metrics = flat_metrics(model.metrics)
    for key in ("holdout_start", "holdout_end"):
        metrics[key] = _datetime(metrics[key]).isoformat(timespec="seconds")
    reporter.log(f"judged on {metrics['evaluated_users']} users and {metrics['evaluated_products']} products "
                 f"bought in the newest {metrics['holdout_days']:g} days ({metrics['holdout_start'][:10]} to "
                 f"{metrics['holdout_end'][:10]})")
    reporter.log(f"Recall@10 {metrics.get(METRIC)} vs best baseline {metrics[f'best_baseline_{METRIC}']}")
    when = events.ts
    version = ModelVersion.objects.create(
        kind="recommendations", params=params, metrics=metrics,
        data_start=_datetime(when.min()) if len(when) else None, data_end=_datetime(when.max()) if len(when) else None,
    )
    _save_model(version, model)
    reporter.progress(72, "precomputing recommendations")
    write_serving_tables(version, model, conf, on_progress=lambda pct: reporter.progress(72 + int(pct * 0.2)))
    reporter.progress(94, "comparing with the active version and the baselines")
    promoted, _ = registry.promote_if_better(version, metric=METRIC, tolerance=conf["PROMOTION_TOLERANCE"],
                                             baselines=[f"best_baseline_{METRIC}"])
    if not promoted:
        delete_serving_rows(version)
    version.refresh_from_db()
    return version


def _datetime(seconds):
    return dt.datetime.fromtimestamp(float(seconds), tz=dt.UTC)


def _save_model(version, model):
    with tempfile.TemporaryDirectory() as folder:
        model.save(folder)
        for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
            registry.save_artifact(version, f"model/{path.relative_to(folder).as_posix()}", path.read_bytes())


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


def write_serving_tables(version, model, conf, on_progress=None):
    """Write the version's similar, bought-together and trending rows, then every user's top-K in chunks."""
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
    existing = set(get_user_model()._default_manager.values_list("pk", flat=True))
    users = [user for user in model.users() if user in existing]
    chunks = [users[i:i + conf["CHUNK_SIZE"]] for i in range(0, len(users), conf["CHUNK_SIZE"])]
    if conf["FAN_OUT"] and len(chunks) > 1:
        fan_out(version, chunks, on_progress)
    else:
        for done, chunk in enumerate(chunks, 1):
            score_users(version, chunk, model=model, top_k=conf["TOP_K"])
            if on_progress:
                on_progress(done * 100 // len(chunks))


def fan_out(version, chunks, on_progress=None, timeout=None, poll=2.0):
    """Score the chunks as a group of Celery tasks on other workers and wait until each has reported, through the
    shared lock cache (no result backend needed). Needs free worker slots besides this task's."""
    from celery import group

    from .tasks import score_users_task

    counter = chunks_done_key(version.pk)
    done_cache().set(counter, 0, timeout=None)
    group(score_users_task.s(version.pk, chunk) for chunk in chunks).apply_async()
    deadline = time.monotonic() + (timeout or app_settings.TRAIN_TIME_LIMIT)
    while True:
        done = int(done_cache().get(counter) or 0)
        if on_progress:
            on_progress(min(100, done * 100 // len(chunks)))
        if done >= len(chunks):
            done_cache().delete(counter)
            return done
        if time.monotonic() > deadline:
            raise TimeoutError(f"{done} of {len(chunks)} chunks scored by the chunk tasks; are other workers running?")
        time.sleep(poll)


def done_cache():
    return caches[app_settings.LOCK_CACHE]


def chunks_done_key(version_id):
    return f"ai_commerce:recommendations:chunks-done:{version_id}"


def score_users(version, user_ids, model=None, top_k=None):
    """Write the top-K of ``user_ids`` for ``version`` (idempotent: the chunk's rows are replaced)."""
    model = model or load_model(version)
    known = set(get_adapter().get_product_queryset().values_list("pk", flat=True))
    rows = [Recommendation(model_version=version, user_id=user, **_row(rank, rec, known))
            for user, recs in model.recommend(user_ids, top_k or tuned("RECOMMENDATIONS")["TOP_K"]).items()
            for rank, rec in enumerate(_known(recs, known), 1)]
    with transaction.atomic():
        Recommendation.objects.filter(model_version=version, user_id__in=user_ids).delete()
        Recommendation.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _known(recs, known):
    return [rec for rec in recs if rec.item in known]


def _row(rank, rec, known):
    because = rec.because if rec.because in known else None
    return {"product_id": rec.item, "rank": rank, "score": float(rec.score), "reason": rec.reason,
            "because_id": because, "category": rec.category or ""}


def delete_serving_rows(version):
    for model in (Recommendation, RelatedProduct, TrendingProduct):
        model.objects.filter(model_version=version).delete()

"""Train recommendations in a worker: read the event log, fit the two-stage engine, write the serving tables.

The engine (``engine.train``) judges the learned system, every baseline (popularity, recent popularity,
item-kNN, ALS, EASE, RP3beta) and the active version's configuration on the same newest days held out, then fits
on all events whichever of the learned system and the best baseline scored higher: a shop is never served
something worse than a simple baseline on its own data. This module stores the model's artifacts, has
``precompute`` write the serving tables of the new version (with reasons, whether the learned system or a baseline
serves; users in chunks, which ``tasks.fan_out`` hands to a Celery chord with ``FAN_OUT``), and asks the registry
to promote it (``publish``): only when its key metric (``key_metrics.KEY_METRIC``, the capability's first
``key_metrics``) is at least the active version's on the same split. A version that is not promoted keeps its
metrics and artifacts but not its serving rows.
"""

import datetime as dt
import tempfile
from pathlib import Path

from django.db.models import Q

from ai_commerce import events, registry
from ai_commerce.adapter import get_adapter
from ai_commerce.models import Interaction, ModelVersion
from ai_commerce.tuning import tuned

from . import precompute, publish, tasks
from .key_metrics import KEY_METRIC_LABEL

METRIC = publish.METRIC  # what promotion compares
ACTIVE = publish.ACTIVE  # the active version's score on the new split
HINT = "import more order history, or lower PARAMS holdout_min_users or raise holdout_max_share"
_loaded = {}


def interactions():
    """Return the event log as engine rows: (user, product, time, kind, quantity, order).

    A guest's order (keyed by order, ``events.guest_key``) is a shopper of its own, with a negative id: it feeds
    co-purchase, popularity and the item neighbours, is never judged (one order has no history before the held-out
    window) and never gets a list of its own (only the shop's users do)."""
    from .engine import Interactions

    guests = {}

    def shopper(user_id, session_key):
        return user_id if user_id is not None else guests.setdefault(session_key, -1 - len(guests))

    rows = (Interaction.objects.filter(Q(user__isnull=False) | Q(session_key__startswith=events.guest_key("")))
            .order_by("occurred_at", "pk")
            .values_list("user_id", "session_key", "product_id", "occurred_at", "kind", "quantity", "order_ref",
                         "value"))
    return Interactions.from_rows((shopper(user, session), *rest) for user, session, *rest in
                                  rows.iterator(chunk_size=5000))


def products():
    """Return the engine's product features from the shop adapter."""
    out = {}
    for pk, values in get_adapter().product_values().items():
        price = values.get("price")
        out[pk] = {"title": values.get("title") or "", "description": values.get("description") or "",
                   "category": values.get("category") or None, "price": float(price) if price is not None else None}
    return out


def with_baselines_on_top(metrics):
    """The engine's metrics with each baseline as top-level keys, as the registry compares them."""
    flat = {key: value for key, value in metrics.items() if key != "baselines"}
    for name, values in (metrics.get("baselines") or {}).items():
        for key, value in values.items():
            flat[f"{name}_{key}"] = value
    baselines = [flat.get(f"{name}_{METRIC}") for name in metrics.get("baselines") or {}]
    baselines = [value for value in baselines if value is not None]
    flat[f"best_baseline_{METRIC}"] = max(baselines) if baselines else 0.0
    return flat


def active_config():
    """The active version's configuration, for the engine to judge on the new split: what it served, and with
    which sources and ranker."""
    active = ModelVersion.objects.of_kind("recommendations").active().first()
    if active is None or not active.metrics.get("sources"):
        return None  # nothing active, or a version that did not record its configuration: its old metric stands
    from .engine.model import CONFIG

    config = {key: active.metrics[key] for key in CONFIG if active.metrics.get(key)}
    return {str(active): {"served": active.metrics.get("served", "learned"), "params": {**active.params, **config}}}


def train(reporter):
    from . import engine

    conf = tuned("RECOMMENDATIONS")
    reporter.progress(5, "reading the event log")
    events = interactions()
    params = {**engine.default_params(), **conf["PARAMS"], "metric": METRIC}
    rivals = active_config()
    try:
        # The held-out window ends at the newest event, not today: a quiet month or last year's import is judged
        # on its own newest days.
        model = engine.train(events, products(), params, rivals=rivals,
                             on_progress=lambda pct, msg: reporter.progress(10 + int(pct * 0.6), msg))
    except engine.NotEnoughData as exc:
        for warning in exc.warnings:  # often the reason, e.g. no event counts as a purchase
            reporter.log(f"warning: {warning}")
        hint = exc.warnings[0] if exc.warnings else HINT
        raise registry.NotEnoughData(exc.have, exc.need, exc.what, hint=hint) from exc
    for warning in model.metrics["warnings"]:
        reporter.log(f"warning: {warning}")
    metrics = with_baselines_on_top(model.metrics)
    for name, score in (metrics.get("rivals") or {}).items():
        if score is not None:
            metrics[ACTIVE] = score
            reporter.log(f"the active version ({name}) scores {KEY_METRIC_LABEL} {score} on the same split")
    for key in ("holdout_start", "holdout_end"):
        metrics[key] = _datetime(metrics[key]).isoformat(timespec="seconds")
    reporter.log(f"judged on {metrics['evaluated_users']} users and {metrics['evaluated_products']} products "
                 f"bought in the newest {metrics['holdout_days']:g} days ({metrics['holdout_start'][:10]} to "
                 f"{metrics['holdout_end'][:10]})")
    selection = metrics.get("selection") or {}
    if selection:
        reporter.log(f"chosen on the training window: sources {', '.join(selection['sources'])}; ranker "
                     f"{selection['ranker']} ({selection.get('why', '')})")
    reporter.log(f"learned system {KEY_METRIC_LABEL} {metrics['learned'][METRIC]} vs best baseline "
                 f"{metrics[f'best_baseline_{METRIC}']}")
    reporter.log(metrics["served_reason"])
    metrics["buy_again"], cycles = train_buy_again(events, metrics["holdout_days"], conf, reporter)
    when = events.ts
    version = ModelVersion.objects.create(
        kind="recommendations", params=params, metrics=metrics,
        data_start=_datetime(when.min()) if len(when) else None, data_end=_datetime(when.max()) if len(when) else None,
    )
    _save_model(version, model)
    reporter.progress(72, "precomputing recommendations")
    precompute.write_item_tables(version, model, conf)
    precompute.write_cycles(version, cycles)
    chunks = precompute.user_chunks(model, conf)
    if conf["FAN_OUT"] and len(chunks) > 1:
        reporter.log(f"scoring {sum(map(len, chunks))} users in {len(chunks)} chunks on the workers")
        return tasks.fan_out(version, chunks, registry.hand_off(reporter))
    for done, chunk in enumerate(chunks, 1):
        precompute.score_users(version, chunk, model=model, top_k=conf["TOP_K"])
        reporter.progress(72 + 20 * done // len(chunks), "precomputing recommendations")
    return publish.publish(version, reporter)


def train_buy_again(events, holdout_days, conf, reporter):
    """Judge "buy it again" (``engine.repurchase``: the learned repurchase timing against P-TopFreq on the newest
    ``holdout_days``, the engine's window) and fit what serves on every purchase. Return (what the version stores as
    ``metrics["buy_again"]``, the products' cycles to write, or None when it is off)."""
    from .engine import repurchase

    if not conf.get("BUY_AGAIN", True):
        return {"served": "off", "reason": "Turned off by AI_COMMERCE['RECOMMENDATIONS']['BUY_AGAIN']."}, None
    purchases = events.with_positives(("purchase",)).positives()  # what serving reads: the shopper's purchases
    judgement = repurchase.judge(purchases, window_days=holdout_days)
    stored = judgement.to_dict()
    for key in ("holdout_start", "holdout_end"):
        if key in stored:
            stored[key] = _datetime(stored[key]).isoformat(timespec="seconds")
    reporter.log(f"buy it again: {judgement.reason}")
    if judgement.served == "off":
        return stored, None
    cycles = repurchase.product_cycles(repurchase.Histories.of(purchases))
    model = repurchase.RepurchaseModel.fit(purchases, holdout_days) if judgement.served == "learned" else None
    model = model or judgement.model
    if model is not None:
        shop = cycles.shop
        stored["model"] = {**model.to_dict(), "shop_cycle": {"days": shop.days, "repeat_share": shop.repeat_share}}
    return stored, cycles


def _datetime(seconds):
    return dt.datetime.fromtimestamp(float(seconds), tz=dt.UTC)


def _save_model(version, model):
    with tempfile.TemporaryDirectory() as folder:
        model.save(folder)
        for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
            registry.save_artifact(version, f"model/{path.relative_to(folder).as_posix()}", path.read_bytes())

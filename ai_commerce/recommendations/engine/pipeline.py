"""train(): the recommendation engine's pipeline, in the order it runs (no TensorFlow at import).

    holdout    the newest days held out (DESIGN section 7), ending at the newest event; when it holds fewer than
               holdout_decide_users users, each user's newest purchases too (.taste)
    select     the sources and the ranker chosen on a validation window inside the training window (.selection)
    fit        the learned system fitted before the held-out cut (.system)
    judge      it and every baseline scored on the same held-out users (.judge)
    choose     the gate: the learned system unless a baseline beats it (.gate)
    fit again  what serves, on all events, returned as a Recommender (saved by .persistence)
"""

from __future__ import annotations

import time

import numpy as np

from . import gate
from .data import DAY, NotEnoughData, Vocab, choose_holdout
from .features import ItemMeta
from .judge import judge, rival_score
from .pairs import Prepared, report_progress
from .params import validated
from .ranker import Ranker
from .recommender import Recommender
from .system import CONFIG, Engine, fit_engine
from .taste import per_user_holdout


def train(interactions, products, params=None, *, now=None, on_progress=None, rivals=None):
    """Judge the learned system and every baseline on the same held-out split, then fit what serves on all events:
    the learned system unless it loses to the best baseline, else that baseline.

    ``rivals`` ({name: {"served": ..., "params": {...}}}, e.g. the active version's configuration) are judged on
    the same split too; their scores are in ``metrics["rivals"]``."""
    started = time.monotonic()
    p = validated(params)
    interactions, end = _events_until(interactions, now, p)
    check_data(interactions, p)
    report_progress(on_progress, 1, "preparing data")
    uv, iv, meta = make_vocabs(interactions, products, p)
    warnings = data_warnings(interactions, p)
    holdout = _holdout(interactions, p, end, warnings)
    cache = {}  # the states and fitted sources at each cut, shared by every step below
    prep = Prepared(holdout.train, meta, uv, iv, p, cache, on_progress)
    metrics, _ = judge(prep, holdout, p, on_progress, (2, 50))
    if len(holdout.truth) < int(p["holdout_decide_users"]):  # too few to decide on time alone: judge taste too
        _judge_per_user(interactions, end, meta, uv, iv, p, metrics, on_progress)
    served = _choose(metrics, p)
    effective = {**p, **{key: metrics[key] for key in CONFIG}}
    metrics["rivals"] = {name: rival_score(prep, holdout, effective, metrics, rival, int(p["eval_k"]), p["metric"])
                         for name, rival in (rivals or {}).items()}
    metrics.update(warnings=warnings, eval_seconds=round(time.monotonic() - started, 2))
    report_progress(on_progress, 60, "fitting on all data")
    # The states before the held-out cut are the same on all events (each sees only what came before its cut).
    full = Prepared(interactions, meta, uv, iv, p, cache, on_progress)
    if served == "learned":
        engine = fit_engine(full, end + 1e-3, effective, on_progress, (60, 98), cut=end - float(p["label_days"]) * DAY)
    else:
        engine = Engine(full.state(end + 1e-3, (served,)), Ranker("none", []), [], effective)
    metrics.update(train_seconds=round(time.monotonic() - started, 2), n_events=len(interactions), n_users=len(uv),
                   n_items=len(iv))
    report_progress(on_progress, 100, "done")
    scorer = engine.state.fitted[served] if served != "learned" else None
    return Recommender(engine, uv, iv, meta, p, metrics, served=served, scorer=scorer)


def _events_until(interactions, now, p):
    """The events up to ``now`` (all by default) with their purchases marked, and the time the run stands at."""
    if now is not None:
        now = now.timestamp() if hasattr(now, "timestamp") else float(now)
        interactions = interactions.subset(interactions.ts <= now)
    interactions = interactions.with_positives(p["positive_kinds"], p["rating_positive_at"])
    return interactions, (float(interactions.ts.max()) if now is None and len(interactions) else now or 0.0)


def _holdout(interactions, p, end, warnings=()):
    """The held-out window the parameters ask for, ending at ``end``."""
    try:
        return choose_holdout(interactions, float(p["holdout_days"]), min_users=int(p["holdout_min_users"]),
                              max_share=float(p["holdout_max_share"]), now=end)
    except NotEnoughData as exc:
        exc.warnings = list(warnings)  # often the reason: no event counts as a purchase
        raise


def _judge_per_user(interactions, end, meta, uv, iv, p, metrics, on_progress):
    """The learned system as chosen on the newest window, and every baseline, judged again on the per-user split
    (``.taste``); stored in ``metrics["per_user"]`` when it has enough users."""
    taste = per_user_holdout(interactions, float(p["per_user_share"]), end)
    if len(taste.truth) < int(p["holdout_min_users"]):
        return
    chosen = {**p, "select": False, **{key: metrics[key] for key in CONFIG}}
    report_progress(on_progress, 50, "judging on each user's newest purchases")
    more, _ = judge(Prepared(taste.train, meta, uv, iv, chosen, {}, on_progress), taste, chosen, on_progress,
                    (50, 58))
    k = int(p["eval_k"])
    metrics["per_user"] = {**taste.describe(), **{key: more[key] for key in (f"recall_at_{k}", f"ndcg_at_{k}")},
                           "baselines": more["baselines"]}


def _choose(metrics, p):
    """The gate (``.gate``) on the judged metrics: records what serves and why, and returns its name. With a
    per-user split, the scores the gate read (averaged over both splits' users) replace the newest window's, and
    the newest window's are kept in ``metrics["newest"]``."""
    metric, k = p["metric"], int(p["eval_k"])
    keys = (f"recall_at_{k}", f"ndcg_at_{k}")
    days = metrics.get("holdout_days")
    where = f"on the held-out newest {days:g} days" if days else "on the held-out window"
    per_user = metrics.get("per_user")
    if per_user:
        splits = [(metrics["evaluated_users"], metrics, metrics["baselines"]),
                  (per_user["evaluated_users"], per_user, per_user["baselines"])]
        served, best, _ = gate.choose_on_splits([(n, m[metric], {b: v[metric] for b, v in bs.items()})
                                                 for n, m, bs in splits])
        total = sum(n for n, _, _ in splits)

        def mean(pick):
            return {key: round(sum(n * pick(m, bs)[key] for n, m, bs in splits) / total, 5) for key in keys}

        metrics["newest"] = {**{key: metrics[key] for key in keys}, "baselines": metrics["baselines"]}
        metrics["baselines"] = {name: mean(lambda m, bs, name=name: bs[name]) for name in metrics["baselines"]}
        metrics.update(mean(lambda m, bs: m))
        metrics["decided_on"] = "newest window + per-user split"
        where += f" and each of {per_user['evaluated_users']} users' newest purchases"
    else:
        scores = {name: values[metric] for name, values in metrics["baselines"].items()}
        served, best = gate.choose(metrics[metric], scores)
        metrics["decided_on"] = "newest window"
    learned = {key: metrics[key] for key in keys}
    best_score = metrics["baselines"][best][metric]
    metrics.update(learned=learned, served=served,
                   served_reason=gate.served_reason(served, learned[metric], best, best_score, metric, where))
    if served != "learned":
        metrics.update(metrics["baselines"][served])
        metrics.pop("n_users", None)
    return served


def check_data(interactions, params):
    p = params
    n_events = len(interactions)
    if n_events < int(p["min_events"]):
        raise NotEnoughData(n_events, int(p["min_events"]), "events")
    n_users = len(set(interactions.users.tolist()))
    if n_users < int(p["min_users"]):
        raise NotEnoughData(n_users, int(p["min_users"]), "users")
    n_items = len(set(interactions.items.tolist()))
    if n_items < int(p["min_items"]):
        raise NotEnoughData(n_items, int(p["min_items"]), "items")


def data_warnings(interactions, params):
    """What the configured event kinds leave without data, in words (for the run log)."""
    out = []
    kinds = set(np.unique(interactions.kinds).tolist())
    positive = params["positive_kinds"]
    if not interactions.positive.any():
        seen = ", ".join(sorted(kinds)) or "none"
        out.append(
            f"no event counts as a purchase (positive_kinds {positive}; the log has {seen}): popularity, "
            "trending, co-purchase and the held-out truth have no data. Add the kinds you log to "
            "PARAMS['positive_kinds']."
        )
    elif not (interactions.orders[interactions.positive] != "").any():
        out.append("no purchase has an order reference: co-purchase (bought together) has no data")
    weightless = sorted(k for k in kinds if float(params["kind_weights"].get(k, 0.0)) <= 0)
    if weightless:
        out.append(f"events of kind {', '.join(weightless)} weigh 0 in PARAMS['kind_weights'] and are ignored")
    return out


def make_vocabs(interactions, products, params):
    uv = Vocab(interactions.users.tolist())
    iv = Vocab([*interactions.items.tolist(), *list((products or {}).keys())])
    meta = ItemMeta(iv, products, int(params["tt_text_buckets"]), int(params["tt_text_tokens"]))
    return uv, iv, meta


def evaluate_holdout(
    interactions,
    products,
    params,
    cache=None,
    now=None,
    on_progress=None,
    pct=(0, 60),
    vocabs=None,
    with_baselines=True,
):
    """DESIGN section 7 protocol on the engine: returns (metrics dict, per-user ranked lists of the learned system).

    With ``params["select"]`` the sources and the ranker are first chosen inside the training window
    (``select_system``); the metrics then name them. ``cache`` (any dict) shares states and fitted models
    between calls on the same events."""
    p = validated(params)
    interactions = interactions.with_positives(p["positive_kinds"], p["rating_positive_at"])
    end = float(interactions.ts.max()) if now is None else float(now)
    holdout = _holdout(interactions, p, end)
    uv, iv, meta = vocabs or make_vocabs(interactions, products, p)
    prep = Prepared(holdout.train, meta, uv, iv, p, cache, on_progress)
    return judge(prep, holdout, p, on_progress, pct, with_baselines)

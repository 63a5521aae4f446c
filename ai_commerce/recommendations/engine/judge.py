"""Judging on a held-out split (DESIGN section 7): the learned system, chosen on a validation window inside the
training window, then every baseline and any rival configuration (the active version's), all on the same users and
truth (no TensorFlow at import)."""

from __future__ import annotations

from . import baselines
from .evaluate import evaluate_lists
from .pairs import report_progress
from .selection import select_system
from .system import CONFIG, fit_engine, rank_lists


def judge(prep, holdout, p, on_progress=None, pct=(0, 100), with_baselines=True, rivals=None):
    """(metrics, the learned system's lists) on ``holdout``; ``prep`` holds the events before its cut."""
    lo, hi = pct
    cut, truth, k, metric = holdout.cut, holdout.truth, int(p["eval_k"]), p["metric"]
    metrics = holdout.describe()
    selection = None
    if p["select"]:
        selection = select_system(prep, cut, on_progress, (lo, lo + (hi - lo) * 0.4))
        p = {**p, **{key: selection[key] for key in CONFIG if key in selection}}
    engine = fit_engine(prep, cut, p, on_progress, (lo + (hi - lo) * 0.4, lo + (hi - lo) * 0.85))
    lists = rank_lists(engine, prep.uv.encode(list(truth)), prep.uv, prep.iv, k)
    metrics.update(evaluate_lists(lists, truth, k))
    metrics.pop("n_users", None)
    metrics.update(sources=list(engine.sources), ranker=engine.ranker.kind, label_windows=int(p["label_windows"]),
                   per_user_labels=bool(p["per_user_labels"]),
                   ranker_iterations=int(p["ranker_iterations"]), anchor=p["anchor"],
                   anchor_weight=float(p["anchor_weight"]), selection=selection)
    if with_baselines:
        report_progress(on_progress, lo + (hi - lo) * 0.9, "evaluating the baselines")
        metrics["baselines"] = {name: baseline_score(prep, holdout, name, k) for name in p["baselines"]}
    metrics["rivals"] = {name: rival_score(prep, holdout, p, metrics, rival, k, metric)
                         for name, rival in (rivals or {}).items()}
    return metrics, lists


def baseline_score(prep, holdout, name, k):
    """Baseline ``name``, fitted on the events before the cut, evaluated alone on the holdout."""
    exclude = baselines.bought_matrix(holdout.bought, prep.uv, prep.iv)
    users = [u for u in holdout.truth if u in prep.uv.index]
    lists = baselines.judged_lists(prep.source(name, holdout.cut), users, prep.uv, prep.iv, exclude, k)
    return evaluate_lists(lists, holdout.truth, k)


def rival_score(prep, holdout, p, metrics, rival, k, metric):
    """A configuration (an active version's) judged on this split: a baseline's score is in this run already; a
    learned system with the same configuration scores the same (training is deterministic); else it is refitted
    on this split."""
    served = rival.get("served", "learned")
    if served != "learned":
        return (metrics.get("baselines") or {}).get(served, {}).get(metric)
    config = {**p, **rival["params"], "select": False}
    keys = {key for key in config if key != "served" and not key.startswith("select")}
    if all(config.get(key) == p.get(key) for key in keys):
        return (metrics.get("learned") or metrics)[metric]
    engine = fit_engine(prep, holdout.cut, config)
    lists = rank_lists(engine, prep.uv.encode(list(holdout.truth)), prep.uv, prep.iv, k)
    return evaluate_lists(lists, holdout.truth, k)[metric]

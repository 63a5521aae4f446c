"""Choose a shop's candidate sources, ranker and label windows on a validation window inside its training window
(never the window it is judged on)."""

from __future__ import annotations

import numpy as np

from .blend import WEIGHTS, blended, rank_feature
from .data import DAY
from .evaluate import evaluate_lists
from .gate import metric_label
from .pairs import report_progress, top_per_user
from .ranker import Ranker


def fit_ranker(pairs, sources, params, kind):
    keep, feats = pairs.only(sources)
    if not keep.any():
        return Ranker("none", sorted(feats))
    return Ranker.fit(feats, pairs.y[keep], pairs.users[keep], {**params, "ranker": kind})


def validation_score(ranker, pairs, sources, uv, iv, k, metric, anchor="", weight=0.0):
    keep, feats = pairs.only(sources)
    users, items = pairs.users[keep], pairs.items[keep]
    order = np.unique(users)
    rows = np.searchsorted(order, users)
    s = ranker.score(feats) if len(users) else np.zeros(0)
    s = blended(rows, s, feats, anchor, weight)
    top = top_per_user(rows, items, np.asarray(s, dtype=np.float64), len(order), k)
    lists = {uv.ids[u]: [iv.ids[j] for j, _ in picked] for u, picked in zip(order.tolist(), top, strict=True)}
    return evaluate_lists(lists, pairs.truth, k)[metric]


def select_system(prep, cut, on_progress=None, pct=(0, 100)):
    """Choose the candidate sources and the ranker on a validation window inside the training window (the
    ``holdout_days`` before ``cut``; the ranker learns from the ``label_days`` before that), never on the window
    the system is judged on. A source whose removal raises validation Recall@10 is dropped on this shop."""
    p = prep.params
    sources, ranker = list(p["sources"]), p["ranker"]
    chosen = {"sources": sources, "ranker": ranker, "trials": []}
    val_cut = cut - float(p["holdout_days"]) * DAY
    label_cut = val_cut - float(p["label_days"]) * DAY
    lo, hi = pct
    report_progress(on_progress, lo, "choosing the sources and the ranker on the training window")
    max_users = int(p["select_max_users"])
    train_pairs = prep.labelled(label_cut, val_cut, sources, max_users, pct=lo)
    val_pairs = prep.labelled(val_cut, cut, sources, max_users, pct=lo + (hi - lo) * 0.2)
    if train_pairs is None or val_pairs is None or len(val_pairs.truth) < int(p["holdout_min_users"]):
        chosen["why"] = "too little history before the held-out window to choose; the defaults are used"
        return chosen
    k = int(p["eval_k"])
    full_iterations = int(p["ranker_iterations"])
    fast = {**p, "ranker_iterations": min(full_iterations, 100)}
    # A change must win by more than one validation user's worth of recall: less is noise on a small shop.
    gain = max(float(p["select_min_gain"]), 1.0 / len(val_pairs.truth))

    def trial(names, kind="hgb", params=fast, pairs=train_pairs, windows=1):
        recall = validation_score(fit_ranker(pairs, names, params, kind), val_pairs, names, prep.uv, prep.iv, k,
                                  p["metric"])
        chosen["trials"].append({"sources": list(names), "ranker": kind, "label_windows": windows,
                                 "ranker_iterations": int(params["ranker_iterations"]),
                                 p["metric"]: round(recall, 5)})
        return recall

    best = trial(sources)
    rounds = int(p["select_rounds"])
    for round_ in range(rounds):  # backward elimination: drop the source whose removal helps most, while one helps
        drops = []
        for n, name in enumerate(sources if len(sources) > 1 else ()):
            done = (round_ + n / len(sources)) / rounds
            report_progress(on_progress, lo + (hi - lo) * (0.3 + 0.5 * done), f"validating without {name}")
            drops.append((trial([s for s in sources if s != name]), name))
        if not drops or max(drops)[0] <= best + gain:
            break
        best, name = max(drops)
        sources = [s for s in sources if s != name]
    # the ranker and how long it trains: the short scikit-learn run measured above, the full one, the TFRS model
    options = {("hgb", int(fast["ranker_iterations"])): best} if "hgb" in p["select_rankers"] else {}
    for kind in p["select_rankers"]:
        if (kind, full_iterations) not in options:
            options[(kind, full_iterations)] = trial(sources, kind, p)
    first = next(iter(options))
    pick = max(options, key=options.get)
    ranker, iterations = pick if options[pick] > options[first] + gain else first
    settled = {**p, "ranker_iterations": iterations}
    # more label windows (each label_days earlier) give the ranker more to learn from, or older habits
    windows, pairs, label_days = {1: options[(ranker, iterations)]}, train_pairs, float(p["label_days"]) * DAY
    joined = {1: pairs}
    for n in range(2, int(p["select_label_windows"]) + 1):
        report_progress(on_progress, lo + (hi - lo) * 0.9, f"validating {n} label windows")
        shift = (n - 1) * label_days
        older = prep.labelled(label_cut - shift, val_cut - shift, p["sources"], max_users, pct=lo + (hi - lo) * 0.9)
        pairs = joined[n] = pairs.join(older)
        windows[n] = trial(sources, ranker, settled, pairs, n)
    label_windows = max(windows, key=windows.get)
    label_windows = label_windows if windows[label_windows] > windows[1] + gain else 1
    report_progress(on_progress, lo + (hi - lo) * 0.95, "blending the ranker with the best source")
    fitted = fit_ranker(joined[label_windows], sources, settled, ranker)
    anchor, weight, score = choose_blend(fitted, val_pairs, sources, prep, k, p["metric"], windows[label_windows])
    chosen["blend"] = score
    chosen.update(
        sources=sources,
        ranker=ranker,
        ranker_iterations=iterations,
        label_windows=label_windows,
        anchor=anchor,
        anchor_weight=weight,
        why=f"validation {metric_label(p['metric'])} {score['chosen']:.4f} on"
        f" {len(val_pairs.truth)} users of the "
        f"{float(p['holdout_days']):g} days before the held-out window"
        + (f" (the ranker's order blended with {anchor}'s at weight {weight:g})" if weight > 0 else ""),
    )
    report_progress(on_progress, hi, "sources and ranker chosen")
    return chosen


def choose_blend(ranker, val_pairs, sources, prep, k, metric, learned):
    """(anchor, weight, scores): the source that ranks best alone on validation among ``sources`` and the blend
    weight (``.blend.WEIGHTS``) that scores best there with it; the ranker alone (weight 0, ``learned``) unless a
    blend beats it. So on validation the learned system is never below its best source."""
    def score(anchor, weight):
        return validation_score(ranker, val_pairs, sources, prep.uv, prep.iv, k, metric, anchor, weight)

    alone = {name: score(name, 1.0) for name in sources if rank_feature(name)}
    out = {"ranker_alone": round(learned, 5), "sources_alone": {n: round(v, 5) for n, v in alone.items()}}
    if not alone:
        return "", 0.0, {**out, "chosen": learned}
    anchor = max(alone, key=alone.get)
    tried = {0.0: learned, 1.0: alone[anchor]}
    for weight in WEIGHTS:
        if weight not in tried:
            tried[weight] = score(anchor, weight)
    weight = max(tried, key=lambda w: (tried[w], -w))
    out.update(anchor=anchor, weights={f"{w:g}": round(v, 5) for w, v in sorted(tried.items())}, chosen=tried[weight])
    return (anchor, float(weight), out) if weight > 0 else ("", 0.0, out)

"""Choose a shop's candidate sources, ranker and label windows on a validation window inside its training window
(never the window it is judged on)."""

from __future__ import annotations

import numpy as np

from .blend import WEIGHTS, blended, rank_feature
from .data import DAY
from .evaluate import evaluate_lists, per_user
from .gate import metric_label, noise
from .pairs import report_progress, top_per_user
from .ranker import Ranker


def fit_ranker(pairs, sources, params, kind):
    keep, feats = pairs.only(sources)
    if not keep.any():
        return Ranker("none", sorted(feats))
    return Ranker.fit(feats, pairs.y[keep], pairs.users[keep], {**params, "ranker": kind})


def validation_score(ranker, pairs, sources, uv, iv, k, metric, anchor="", weight=0.0, each=False):
    """The mean ``metric`` on the validation ``pairs`` (``each``: every validation user's, as an array)."""
    keep, feats = pairs.only(sources)
    users, items = pairs.users[keep], pairs.items[keep]
    order = np.unique(users)
    rows = np.searchsorted(order, users)
    s = ranker.score(feats) if len(users) else np.zeros(0)
    s = blended(rows, s, feats, anchor, weight)
    top = top_per_user(rows, items, np.asarray(s, dtype=np.float64), len(order), k)
    lists = {uv.ids[u]: [iv.ids[j] for j, _ in picked] for u, picked in zip(order.tolist(), top, strict=True)}
    if each:
        return np.asarray(per_user(lists, pairs.truth, k, metric))
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

    def trial(names, kind="hgb", params=fast, pairs=None, windows=1):
        pairs = train_pairs if pairs is None else pairs  # the per-user labels join them when they win
        recall = validation_score(fit_ranker(pairs, names, params, kind), val_pairs, names, prep.uv, prep.iv, k,
                                  p["metric"])
        chosen["trials"].append({"sources": list(names), "ranker": kind, "label_windows": windows,
                                 "ranker_iterations": int(params["ranker_iterations"]),
                                 p["metric"]: round(recall, 5)})
        return recall

    best = trial(sources)
    # the per-user split's labels too (``Prepared.with_per_user``): kept when they win on validation
    per_user = prep.with_per_user(train_pairs, val_cut, sources, p, pct=lo + (hi - lo) * 0.25)
    with_taste = trial(sources, pairs=per_user, windows="1 + per-user") if per_user is not train_pairs else best
    per_user_labels = with_taste > best + gain
    if per_user_labels:
        best, train_pairs = with_taste, per_user
    # the source that ranks best alone (``choose_anchor``: on the window, and with the per-user split pooled when
    # the window holds fewer than holdout_decide_users users) is never dropped: it anchors the blend below
    each = sources_alone(val_pairs, sources, prep, k, p["metric"], each=True)
    alone = {name: float(v.mean()) for name, v in each.items()}
    taste = None
    if each and len(val_pairs.truth) < int(p["holdout_decide_users"]):
        report_progress(on_progress, lo + (hi - lo) * 0.28, "choosing the anchor on the per-user split too")
        taste_pairs = prep.labelled_per_user(val_cut, list(p["sources"]), int(p["ranker_max_users"]))
        taste = sources_alone(taste_pairs, list(p["sources"]), prep, k, p["metric"], each=True) if taste_pairs else None
    strongest, chosen["anchor_choice"] = choose_anchor(each, taste)
    rounds = int(p["select_rounds"])
    for round_ in range(rounds):  # backward elimination: drop the source whose removal helps most, while one helps
        drops = []
        for n, name in enumerate(s for s in (sources if len(sources) > 1 else ()) if s != strongest):
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
    anchor, weight, score = choose_blend(fitted, val_pairs, sources, prep, k, p["metric"], windows[label_windows],
                                         {name: alone[name] for name in sources if name in alone}, strongest)
    chosen["blend"] = score
    chosen.update(
        sources=sources,
        ranker=ranker,
        ranker_iterations=iterations,
        label_windows=label_windows,
        per_user_labels=per_user_labels,
        anchor=anchor,
        anchor_weight=weight,
        why=f"validation {metric_label(p['metric'])} {score['chosen']:.4f} on"
        f" {len(val_pairs.truth)} users of the "
        f"{float(p['holdout_days']):g} days before the held-out window"
        + _blend_words(anchor, weight),
    )
    report_progress(on_progress, hi, "sources and ranker chosen")
    return chosen


def _blend_words(anchor, weight):
    if weight >= 1:
        return f" ({anchor}'s own order: the ranker's corrections did not beat it by more than the noise)"
    return f" (the ranker's order blended with {anchor}'s at weight {weight:g})" if weight > 0 else ""


def sources_alone(val_pairs, sources, prep, k, metric, each=False):
    """{source: its validation score ranking the candidates alone (its own order)}, for the sources that rank
    (``each``: every validation user's score, as an array)."""
    none = Ranker("none", [])
    return {name: validation_score(none, val_pairs, sources, prep.uv, prep.iv, k, metric, name, 1.0, each)
            for name in sources if rank_feature(name)}


def choose_anchor(window, per_user=None):
    """(anchor, record): the source the learned system stacks on, from each validation user's score of every
    source ranking alone: ``window`` ({source: array}) on the validation window, ``per_user`` (the same sources,
    or None) on the per-user split of the events before it (``.taste``: disjoint labels, taste not time).

    The rule: the anchor is the window's favourite (the source best alone on it) unless the leader on both splits
    pooled (each user counts once per split) beats it there by more than the noise: one pooled user's worth
    (``gate.noise``) and one standard error of the paired per-user gain. The selection pools only when the window
    holds fewer than ``holdout_decide_users`` users, where which of EASE, RP3beta and item-kNN leads is close to a
    coin toss (demo_small's random split: item-kNN led its 82-user window by 0.003, EASE led the pooled 269 users by
    0.041, and EASE was best on the test split by 0.09). Within the noise the window's favourite stays: it is the
    time protocol the gate reads first (oscar_small: RP3beta led its window, EASE the per-user split, and RP3beta
    was best on the held-out month; a fixed order EASE > RP3beta would have lost there). One standard error, not
    the blend's two, because this is a choice between two lists of equal standing, not a departure from a safe one
    (two would have kept item-kNN on demo_small's random split). The guard was set on four small-shop splits
    (docs/benchmarks.md, 2026-12-06): any multiple of the standard error from 0.91 to 1.85 makes the same choices
    there, so it is a rule with little evidence behind it. Without a source that ranks, (None, {})."""
    if not window:
        return None, {}
    favourite = max(window, key=lambda name: window[name].mean())
    record = {"window": {name: round(float(v.mean()), 5) for name, v in window.items()},
              "window_users": len(window[favourite]), "anchor": favourite, "decided_on": "validation window"}
    if not per_user or not all(name in per_user for name in window):
        return favourite, record
    pooled = {name: np.concatenate([window[name], per_user[name]]) for name in window}
    leader = max(pooled, key=lambda name: (pooled[name].mean(), name == favourite))
    gain = pooled[leader] - pooled[favourite]
    margin = noise(len(gain))
    if len(gain) > 1:
        margin = max(margin, float(gain.std(ddof=1)) / np.sqrt(len(gain)))
    anchor = leader if gain.mean() > margin else favourite
    record.update(per_user={name: round(float(per_user[name].mean()), 5) for name in window},
                  per_user_users=len(per_user[favourite]), anchor=anchor, decided_on="window + per-user split",
                  pooled={name: round(float(v.mean()), 5) for name, v in pooled.items()},
                  gain=round(float(gain.mean()), 5), noise=round(margin, 5))
    return anchor, record


def choose_blend(ranker, val_pairs, sources, prep, k, metric, learned, alone=None, anchor=None):
    """(anchor, weight, scores): stacking on the strongest source. The anchor is ``anchor`` when given (the
    selection's ``choose_anchor``), else the source that ranks best alone on validation among ``sources``
    (``alone``: {source: score}, computed when not given); the learned system is
    its order alone (weight 1) unless a blend with the ranker's corrections (``.blend.WEIGHTS``; weight 0 is the
    ranker alone, ``learned``) beats it on validation by more than the noise: one validation user's worth
    (``gate.noise``) and twice the standard error of the per-user gain (a paired test, since the best of several
    weights is flattered by chance). A smaller gain is noise on a small shop, and the anchor's order is the safer
    bet. Without a source that ranks, the ranker alone."""
    def score(anchor, weight, each=False):
        return validation_score(ranker, val_pairs, sources, prep.uv, prep.iv, k, metric, anchor, weight, each)

    if alone is None:
        alone = sources_alone(val_pairs, sources, prep, k, metric)
    out = {"ranker_alone": round(learned, 5), "sources_alone": {n: round(v, 5) for n, v in alone.items()}}
    if not alone:
        return "", 0.0, {**out, "chosen": learned}
    anchor = anchor if anchor in alone else max(alone, key=alone.get)
    tried = {0.0: learned, 1.0: alone[anchor]}
    for weight in WEIGHTS:
        if weight not in tried:
            tried[weight] = score(anchor, weight)
    best = max(tried, key=lambda w: (tried[w], w))
    margin = noise(len(val_pairs.truth))
    if best < 1.0:  # and twice the standard error of the per-user gain: the best of several tries is flattered
        gain = score(anchor, best, each=True) - score(anchor, 1.0, each=True)
        margin = max(margin, 2.0 * float(gain.std(ddof=1)) / np.sqrt(len(gain)) if len(gain) > 1 else margin)
    weight = best if tried[best] > tried[1.0] + margin else 1.0
    out.update(anchor=anchor, weights={f"{w:g}": round(v, 5) for w, v in sorted(tried.items())}, chosen=tried[weight],
               noise=round(margin, 5))
    return (anchor, float(weight), out) if weight > 0 else ("", 0.0, out)

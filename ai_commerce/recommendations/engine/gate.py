"""The one gate: which system serves a shop and whether a new version replaces the active one, both by the same rule
on the same held-out split, reading one metric (the capability's declared key metric, ``CapabilityConfig.
key_metrics[0]``, passed to the engine as ``params["metric"]``; no TensorFlow, no Django).

    served, best = choose(learned_score, {baseline: score})   # "learned" unless a baseline scores higher
    losses = losses_to(score, {rival: score}, tolerance)      # [] when the new version may replace the active one

Ties go to the learned system (it is at least as good), and among baselines to all-time popularity (the simplest)."""

from __future__ import annotations

import re


def metric_label(metric):
    """recall_at_10 -> Recall@10, ndcg_at_10 -> NDCG@10."""
    m = re.fullmatch(r"(recall|ndcg)_at_(\d+)", metric)
    if not m:
        return metric
    return f"{'Recall' if m.group(1) == 'recall' else 'NDCG'}@{m.group(2)}"


def best_baseline(scores):
    """The baseline with the highest score ({name: score}); ties to popularity."""
    return max(scores, key=lambda name: (scores[name], name == "popularity"))


def losses_to(score, rivals, tolerance=0.0):
    """[(rival, its score)] of the rivals that ``score`` loses to by more than ``tolerance`` (None: no score)."""
    return [(name, value) for name, value in rivals.items() if value is not None and score < value - tolerance]


def choose(learned, baselines):
    """(what serves, the best baseline): the learned system unless it loses to the best baseline."""
    best = best_baseline(baselines)
    return ("learned" if not losses_to(learned, {best: baselines[best]}) else best), best


def noise(n_users):
    """One user's worth of a per-user mean: a difference smaller than this is not evidence."""
    return 1.0 / max(int(n_users), 1)


def choose_on_splits(splits):
    """(what serves, the best baseline, the combined scores) from several held-out splits, each
    ``(n_users, learned score, {baseline: score})``: the scores are averaged over the splits' users (each user
    counts once per split), the gate chooses on that average, and the noise guard keeps a baseline serving when
    the learned system loses to it on any one split by more than that split's noise (``noise``): a shop is never
    served a system that clearly loses to a baseline on its own data."""
    total = sum(n for n, _, _ in splits)
    learned = sum(n * score for n, score, _ in splits) / total
    names = list(splits[0][2])
    combined = {name: sum(n * scores[name] for n, _, scores in splits) / total for name in names}
    served, best = choose(learned, combined)
    if served == "learned" and any(score < scores[best] - noise(n) for n, score, scores in splits):
        served = best
    return served, best, {"learned": learned, **combined}


def served_reason(served, learned, best, best_score, metric, where):
    """Why ``served`` serves, in one sentence for the dashboard."""
    from .registry import label

    name = metric_label(metric)
    if served == "learned":
        return f"Its {name} {learned:.4f} {where} is at least the best baseline's ({label(best)}, {best_score:.4f})."
    served = label(served)
    return (f"The learned system's {name} {learned:.4f} {where} lost to {served}'s {best_score:.4f}, so this shop "
            f"gets {served}, the better of the two.")

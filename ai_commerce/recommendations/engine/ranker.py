"""The learned ranker over the candidates (no TensorFlow at import; the "tfrs" option trains with TFRS lazily and
scores with numpy)."""

from __future__ import annotations

import numpy as np

from . import threads


def _matrix(feats, columns):
    n = len(next(iter(feats.values()))) if feats else 0
    return np.column_stack([feats.get(c, np.full(n, np.nan, dtype=np.float32)) for c in columns]).astype(np.float32)


class Ranker:
    """Scores (user, candidate) feature rows. kind: "hgb", "tfrs" or "none" (reciprocal rank fusion of sources)."""

    def __init__(self, kind, columns, model=None):
        self.kind = kind
        self.columns = list(columns)
        self.model = model

    @classmethod
    def fit(cls, feats, labels, groups, params, on_progress=None):
        kind = params["ranker"]
        # a feature the shop has no data for (no prices, no categories) is all NaN: nothing to learn, and
        # HistGradientBoosting cannot bin it
        columns = sorted(name for name, values in feats.items() if np.isfinite(values).any())
        if kind == "none":
            return cls("none", columns)
        y = np.asarray(labels, dtype=np.int64)
        rng = np.random.default_rng(params["seed"])
        keep = (y == 1) | (rng.random(len(y)) < float(params["ranker_negative_rate"]))
        x, y = _matrix({c: feats[c][keep] for c in columns}, columns), y[keep]  # the sampled rows only
        if y.sum() == 0 or y.sum() == len(y):
            return cls("none", columns)
        if kind == "hgb":
            from sklearn.ensemble import HistGradientBoostingClassifier

            model = HistGradientBoostingClassifier(
                max_iter=int(params["ranker_iterations"]), learning_rate=float(params["ranker_learning_rate"]),
                max_leaf_nodes=int(params["ranker_leaves"]), min_samples_leaf=40, l2_regularization=1.0,
                early_stopping=False, random_state=int(params["seed"]))
            with threads.openmp():
                model.fit(x, y)
            return cls("hgb", columns, model)
        if kind == "tfrs":
            from .twotower import fit_tfrs_ranker

            return cls("tfrs", columns, fit_tfrs_ranker(x, y, params))
        raise ValueError(f"unknown ranker {kind!r}; expected 'hgb', 'tfrs' or 'none'")

    def score(self, feats):
        if self.kind == "none":
            total = 0.0
            for c in self.columns:
                if c.endswith("_rank"):
                    total = total + 1.0 / (60.0 + np.expm1(np.nan_to_num(feats[c], nan=30.0)))
            if "pop_rank_14" in feats:
                total = total + 1.0 / (60.0 + np.expm1(feats["pop_rank_14"]))
            n = len(next(iter(feats.values()))) if feats else 0
            return np.broadcast_to(np.asarray(total, dtype=np.float64), (n,)).copy()
        x = _matrix(feats, self.columns)
        if self.kind == "hgb":
            with threads.openmp():
                return self.model.predict_proba(x)[:, 1]
        return mlp_forward(self.model, x)


def mlp_forward(weights, x):
    """Numpy forward pass of the TFRS ranking MLP (standardise, dense+relu..., dense)."""
    h = (np.nan_to_num(x, nan=0.0) - weights["mean"]) / weights["std"]
    h = np.nan_to_num(h, nan=0.0)
    layers = weights["layers"]
    for idx, (w, b) in enumerate(layers):
        h = h @ w + b
        if idx < len(layers) - 1:
            h = np.maximum(h, 0.0)
    return h.ravel()

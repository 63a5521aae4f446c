"""The latent-factor sources: implicit ALS (also a baseline) and the TFRS two-tower retrieval model (TensorFlow is
imported lazily, in ``.twotower``, when it is fitted)."""

from __future__ import annotations

import numpy as np

from .sources import Source, binary, encoded, kind_weights


class Embeddings(Source):
    """score(u, j) = user vector . item vector; a pick is explained by the user's item closest to it."""

    personal = True
    reason = "bought_with"
    users_key, items_key = "users", "items"
    min_closeness = 0.0

    def scores(self, users):
        return (self.arrays[self.users_key][users] @ self.arrays[self.items_key].T).astype(np.float32)

    def because_many(self, user_items, weights, items):
        if not len(user_items) or not len(items):
            return np.full(len(items), -1, dtype=np.int64)
        emb = self.arrays[self.items_key]
        close = emb[user_items] @ emb[np.asarray(items)].T
        best = (np.asarray(weights)[:, None] * close).argmax(axis=0)
        return np.where(close.max(axis=0) > self.min_closeness, best, -1)


class ALS(Embeddings):
    """implicit ALS, ``als_factors`` factors, on BM25-weighted event counts (weighted by kind); scores shifted per user
    to be positive on the items it was fitted on (0 elsewhere), so the order is ALS's own."""

    name, label = "als", "ALS"
    features = ("als_score", "als_rank")

    @classmethod
    def fit(cls, fitting):
        users, items = fitting.prep.als(fitting.cut)
        return cls({"users": users, "items": items}, fitting.state)

    def scores(self, users):
        items, u = self.arrays["items"], self.arrays["users"][users]
        s = u @ items.T
        s = s - s.min(axis=1, keepdims=True) + 1e-3 if s.size else s
        s[:, ~items.any(axis=1)] = 0.0
        s[~u.any(axis=1)] = 0.0
        return s.astype(np.float32)


class TwoTower(Embeddings):
    """The TFRS two-tower retrieval model: a query tower over the user's id, recent history and time, an item tower
    over id, text, category and price (``.twotower``)."""

    name, label = "two_tower", "two-tower"
    features = ("tt_score", "tt_rank")
    users_key, items_key = "query", "items"
    min_closeness = 0.3

    @classmethod
    def fit(cls, fitting):
        from .twotower import fit_two_tower

        prep = fitting.prep
        q, e, weights = fit_two_tower(fitting.events(), prep.meta, prep.uv, prep.iv, fitting.cut, prep.params)
        return cls({"query": q, "items": e, **weights}, fitting.state)

    def __init__(self, arrays, state=None):
        super().__init__(arrays, state)
        if state is not None:  # the item embeddings also blend into "similar items" (.similar)
            state.attach_two_tower(arrays["query"], arrays["items"])


def fit_als(inter, uv, iv, now, params):
    """(user factors, item factors) of implicit ALS on the events before ``now``, deterministic for a seed."""
    from implicit.als import AlternatingLeastSquares
    from implicit.nearest_neighbours import bm25_weight
    from threadpoolctl import threadpool_limits

    enc, u, i = encoded(inter, uv, iv, now)
    w = kind_weights(enc.kinds, params)
    x = binary(u, i, (len(uv), len(iv)), weights=w)
    x.eliminate_zeros()
    factors = int(params.get("als_factors", 64))
    if x.nnz == 0:
        return np.zeros((len(uv), factors), np.float32), np.zeros((len(iv), factors), np.float32)
    weighted = bm25_weight(x, K1=100, B=0.8).tocsr().astype(np.float32)
    with threadpool_limits(1, "blas"):  # implicit's advice: its own threads, not OpenBLAS's
        model = AlternatingLeastSquares(
            factors=factors,
            regularization=float(params.get("als_regularization", 0.05)),
            iterations=int(params.get("als_iterations", 15)),
            random_state=int(params["seed"]),
            num_threads=int(params.get("als_threads", 0)),
        )
        model.fit(weighted, show_progress=False)
    user_factors = np.asarray(model.user_factors, dtype=np.float32)
    item_factors = np.asarray(model.item_factors, dtype=np.float32)
    user_factors[np.diff(weighted.indptr) == 0] = 0.0  # no events: nothing to score them by
    item_factors[np.diff(weighted.tocsc().indptr) == 0] = 0.0  # never seen: never proposed
    return user_factors, item_factors

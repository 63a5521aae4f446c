"""The simple baselines: all-time popularity, recent popularity, item-kNN (cosine) and implicit ALS (no TensorFlow).

Each is a ``Scorer``: fitted on the events before a point in time, it scores every item for any user. The holdout
protocol judges each one next to the learned system on the same split, and when the learned system loses on a shop,
the best baseline is what that shop is served (``Recommender`` with ``served`` set to its name), with reasons.

    scorer = SCORERS["item_knn"].fit(interactions, user_vocab, item_vocab, now, params)
    scorer.lists(user_indices, exclude_matrix, k)   # [[item index, ...], ...]
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from .data import DAY, Vocab

BASELINES = ("popularity", "recent_popularity", "item_knn", "als")
RECENT_DAYS = 30


def _binary(rows, cols, shape, weights=None):
    m = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32) if weights is None else weights.astype(np.float32), (rows, cols)),
        shape=shape,
    )
    m.sum_duplicates()
    if weights is None:
        m.data[:] = 1.0
    return m


def _encoded(inter, uv, iv, now):
    inter = inter.before(now)
    u, i = uv.encode(inter.users), iv.encode(inter.items)
    ok = (u >= 0) & (i >= 0)
    return inter.subset(ok), u[ok], i[ok]


def kind_weights(kinds, params):
    """The weight of each event by its kind (``params["kind_weights"]``; a kind not named weighs 0)."""
    names, index = np.unique(np.asarray(kinds, dtype=str), return_inverse=True)
    return np.array([float(params["kind_weights"].get(k, 0.0)) for k in names], dtype=np.float32)[index]


def top_lists(scores, exclude, k):
    """Per row of ``scores``, the ``k`` best items with a positive score that ``exclude`` (csr rows) does not hold;
    ties go to the lower item index."""
    out = []
    for r in range(scores.shape[0]):
        s = np.asarray(scores[r], dtype=np.float64).copy()
        s[exclude[r].indices] = 0.0
        n = min(k, int((s > 0).sum()))
        if n <= 0:
            out.append([])
            continue
        top = np.argpartition(-s, n - 1)[:n]
        out.append(top[np.lexsort((top, -s[top]))].tolist())
    return out


class Scorer:
    """A baseline fitted at one point in time: ``scores(users)`` is a dense (users x items) matrix."""

    name = ""
    reason = "popular"

    def __init__(self, arrays):
        self.arrays = arrays

    def scores(self, users):
        raise NotImplementedError

    def because(self, user_items, item):
        """The user's item that most explains ``item`` (an index into ``user_items``), or None (popularity)."""

    def lists(self, users, exclude, k):
        return top_lists(self.scores(users), exclude[users], k)

    def to_arrays(self):
        out = {}
        for key, value in self.arrays.items():
            if sparse.issparse(value):
                value = value.tocsr()
                out.update(
                    {
                        f"{key}.data": value.data,
                        f"{key}.indices": value.indices,
                        f"{key}.indptr": value.indptr,
                        f"{key}.shape": np.array(value.shape),
                    }
                )
            else:
                out[key] = value
        return out

    @classmethod
    def from_arrays(cls, arrays):
        plain, parts = {}, {}
        for key, value in arrays.items():
            if "." in key:
                name, part = key.split(".", 1)
                parts.setdefault(name, {})[part] = value
            else:
                plain[key] = value
        for name, p in parts.items():
            plain[name] = sparse.csr_matrix((p["data"], p["indices"], p["indptr"]), shape=tuple(p["shape"]))
        return cls(plain)


class Popularity(Scorer):
    """Items by distinct positive buyers (all time), ties by id; the same list for everyone."""

    name, reason = "popularity", "popular"
    since_days = None

    @classmethod
    def fit(cls, inter, uv, iv, now, params, since=None):
        pos, u, i = _encoded(inter.positives(), uv, iv, now)
        if since is None and cls.since_days is not None:
            since = now - cls.since_days * DAY
        if since is not None:
            recent = pos.ts >= since
            u, i = u[recent], i[recent]
        buyers = np.asarray(_binary(u, i, (len(uv), len(iv))).sum(axis=0)).ravel()
        ranked = sorted(np.nonzero(buyers)[0].tolist(), key=lambda j: (-buyers[j], str(iv.ids[j])))
        score = np.zeros(len(iv), dtype=np.float32)
        score[ranked] = np.arange(len(ranked), 0, -1, dtype=np.float32)
        return cls({"score": score})

    def scores(self, users):
        return np.broadcast_to(self.arrays["score"], (len(users), self.arrays["score"].size))


class RecentPopularity(Popularity):
    """Popularity over the last 30 days before the cut: what sells now."""

    name, reason = "recent_popularity", "trending"
    since_days = RECENT_DAYS


class ItemKNN(Scorer):
    """score(u, j) = sum over the user's items i of cosine(i, j) on the binary user x item matrix (every kind)."""

    name, reason = "item_knn", "bought_with"

    @classmethod
    def fit(cls, inter, uv, iv, now, params):
        from .features import _topk_columns

        _, u, i = _encoded(inter, uv, iv, now)
        x = _binary(u, i, (len(uv), len(iv)))
        norms = np.sqrt(np.asarray(x.sum(axis=0)).ravel())
        norms[norms == 0] = 1.0
        xn = (x @ sparse.diags(1.0 / norms)).tocsc()
        # Kept to the strongest neighbours per item, so that the matrix stays small on a catalogue of 10,000
        sim = _topk_columns(xn, xn, int(params.get("baseline_knn_neighbours", 500)))
        return cls({"x": x, "sim": sim})

    def scores(self, users):
        return (self.arrays["x"][users] @ self.arrays["sim"]).toarray()

    def because(self, user_items, item):
        if not len(user_items):
            return None
        col = self.arrays["sim"][:, [item]].toarray().ravel()[user_items]
        return int(np.argmax(col)) if col.max() > 0 else None


class ALS(Scorer):
    """implicit ALS, 64 factors, on BM25-weighted event counts (weighted by kind); the usual settings, not tuned."""

    name, reason = "als", "bought_with"

    @classmethod
    def fit(cls, inter, uv, iv, now, params):
        user_factors, item_factors = fit_als(inter, uv, iv, now, params)
        return cls({"users": user_factors, "items": item_factors})

    def scores(self, users):
        """The factors' dot products, shifted per user to be positive on the items ALS was fitted on (0 elsewhere):
        the order is ALS's own."""
        items = self.arrays["items"]
        s = self.arrays["users"][users] @ items.T
        s = s - s.min(axis=1, keepdims=True) + 1e-3 if s.size else s
        s[:, ~items.any(axis=1)] = 0.0
        s[~self.arrays["users"][users].any(axis=1)] = 0.0
        return s

    def because(self, user_items, item):
        if not len(user_items):
            return None
        items = self.arrays["items"]
        return int(np.argmax(items[user_items] @ items[item]))


def fit_als(inter, uv, iv, now, params):
    """(user factors, item factors) of implicit ALS on the events before ``now``, deterministic for a seed."""
    from implicit.als import AlternatingLeastSquares
    from implicit.nearest_neighbours import bm25_weight
    from threadpoolctl import threadpool_limits

    enc, u, i = _encoded(inter, uv, iv, now)
    w = kind_weights(enc.kinds, params)
    x = _binary(u, i, (len(uv), len(iv)), weights=w)
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


SCORERS = {cls.name: cls for cls in (Popularity, RecentPopularity, ItemKNN, ALS)}


def judged_lists(scorer, users, uv, iv, exclude, k):
    """{user id: [item id, ...]}: the scorer's top ``k`` for each of ``users`` (ids), minus ``exclude``'s items."""
    idx = uv.encode(users)
    rows = [row for start in range(0, len(idx), 512) for row in scorer.lists(idx[start : start + 512], exclude, k)]
    return {u: [iv.ids[j] for j in row] for u, row in zip(users, rows, strict=True)}


def _lists(scorer_class, train, users, bought, k, params, **fit):
    from .params import default_params

    uv, iv = Vocab([*train.users.tolist(), *users]), Vocab(train.items.tolist())
    end = float(train.ts.max()) + 1 if len(train) else 0.0
    scorer = scorer_class.fit(train, uv, iv, end, params or default_params(), **fit)
    return judged_lists(scorer, list(users), uv, iv, bought_matrix(bought, uv, iv), k)


def popularity_lists(train, users, bought, k, since=None, params=None):
    """Items by distinct buyers (since ``since``, when given), minus each user's purchases."""
    return _lists(Popularity, train, users, bought, k, params, since=since)


def item_knn_lists(train, users, bought, k, params=None):
    """Item-kNN: score(u, j) = sum over the user's items i of cosine(i, j) on the binary user x item matrix."""
    return _lists(ItemKNN, train, users, bought, k, params)


def bought_matrix(bought, uv, iv):
    pairs = [(u, i) for u, items in bought.items() if u in uv.index for i in items if i in iv.index]
    return _binary(uv.encode([u for u, _ in pairs]), iv.encode([i for _, i in pairs]), (len(uv), len(iv)))


def all_baselines(train, truth, bought, cut, k=10, params=None, names=BASELINES):
    """{baseline: {user: [item id]}} on the holdout split (DESIGN section 7), each fitted on ``train`` at ``cut``."""
    from .params import default_params

    params = params or default_params()
    uv, iv = Vocab(train.users.tolist()), Vocab(train.items.tolist())
    users, exclude = [u for u in truth if u in uv.index], bought_matrix(bought, uv, iv)
    return {name: judged_lists(SCORERS[name].fit(train, uv, iv, cut, params), users, uv, iv, exclude, k)
            for name in names}

"""Baselines of the holdout protocol: all-time popularity, recent popularity, item-kNN cosine (no TensorFlow)."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from .data import DAY, Vocab


def _top_excluding(order_hint, bought, k):
    out = []
    for j in order_hint:
        if j not in bought:
            out.append(j)
            if len(out) == k:
                break
    return out


def popularity_lists(train, users, bought, k, since=None):
    """Items by distinct buyers (since ``since``, when given), minus each user's purchases."""
    p = train.purchases()
    if since is not None:
        p = p.subset(p.ts >= since)
    pairs = set(zip(p.users.tolist(), p.items.tolist(), strict=True))
    counts = {}
    for _, i in pairs:
        counts[i] = counts.get(i, 0) + 1
    ranked = sorted(counts, key=lambda i: (-counts[i], str(i)))
    head = ranked[: k + max((len(b) for b in bought.values()), default=0) + 1]
    return {u: _top_excluding(order_hint=head, bought=bought.get(u, set()), k=k) for u in users}


def item_knn_lists(train, users, bought, k):
    """Item-kNN: score(u, j) = sum over the user's items i of cosine(i, j) on the binary user x item matrix."""
    uv = Vocab(train.users.tolist())
    iv = Vocab(train.items.tolist())
    x = sparse.csr_matrix((np.ones(len(train), dtype=np.float32), (uv.encode(train.users), iv.encode(train.items))),
                          shape=(len(uv), len(iv)))
    x.sum_duplicates()
    x.data[:] = 1.0
    norms = np.sqrt(np.asarray(x.sum(axis=0)).ravel())
    norms[norms == 0] = 1.0
    xn = x @ sparse.diags(1.0 / norms)
    sim = (xn.T @ xn).tocsr()
    sim.setdiag(0)
    sim.eliminate_zeros()
    out = {}
    uidx = uv.encode(list(users))
    for start in range(0, len(uidx), 512):
        chunk = uidx[start:start + 512]
        valid = chunk >= 0
        scores = np.zeros((len(chunk), len(iv)), dtype=np.float32)
        if valid.any():
            scores[valid] = (x[chunk[valid]] @ sim).toarray()
        for row, u in zip(scores, list(users)[start:start + 512], strict=True):
            b = bought.get(u, set())
            top = np.argsort(-row, kind="stable")[: k + len(b) + 1]
            out[u] = [iv.ids[j] for j in top if row[j] > 0 and iv.ids[j] not in b][:k]
    return out


def all_baselines(train, truth, bought, cut, k=10, recent_days=30):
    users = list(truth)
    return {
        "popularity": popularity_lists(train, users, bought, k),
        "recent_popularity": popularity_lists(train, users, bought, k, since=cut - recent_days * DAY),
        "item_knn": item_knn_lists(train, users, bought, k),
    }

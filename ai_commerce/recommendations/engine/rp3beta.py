"""RP3beta (Paudel et al., "Updatable, accurate, diverse, and scalable recommendations for interactive
applications", TiiS 2017): a random walk item -> user -> item on the binary interaction graph, each transition
probability raised to ``rp3_alpha`` and each arrival item divided by its popularity ** ``rp3_beta``; kept to the
``rp3_neighbours`` strongest links per item. score(u) = x_u W."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from .sources import ItemItem


def _rows_normalised(m):
    sums = np.asarray(m.sum(axis=1)).ravel()
    sums[sums == 0] = 1.0
    return sparse.diags(1.0 / sums) @ m


class RP3beta(ItemItem):
    name, label = "rp3beta", "RP3beta"
    features = ("rp3_score", "rp3_norm", "rp3_rank")

    @classmethod
    def fit(cls, fitting):
        from .features import _topk_columns

        p = fitting.params
        x = fitting.binary()
        alpha, beta = float(p["rp3_alpha"]), float(p["rp3_beta"])
        user_to_item = _rows_normalised(x).tocsr()
        item_to_user = _rows_normalised(x.T.tocsr()).tocsr()
        if alpha != 1.0:
            user_to_item.data **= alpha
            item_to_user.data **= alpha
        # W[i, j] = sum_u P(i -> u) P(u -> j): _topk_columns(a, b) is a.T @ b, kept to the strongest per column
        w = _topk_columns(item_to_user.T.tocsc(), user_to_item.tocsc(), int(p["rp3_neighbours"]))
        popularity = np.asarray(x.sum(axis=0)).ravel()
        w = (w @ sparse.diags(np.power(np.maximum(popularity, 1.0), -beta))).tocsr().astype(np.float32)
        return cls({"w": w}, fitting.state)

    def profile(self, users):
        x = self.state.profile[users].copy()
        x.data = (x.data > 0).astype(np.float32)
        return x

"""The baselines: sources (``.registry``) judged alone on the holdout split, next to the learned system. By
default all-time popularity, recent popularity, item-kNN, implicit ALS, EASE and RP3beta (``params["baselines"]``).
When the learned system loses on a shop, the best baseline is what that shop is served, with its reasons.

    lists = all_baselines(train, truth, bought, cut)   # {baseline: {user: [item id, ...]}}
"""

from __future__ import annotations

from .data import Vocab
from .sources import binary


def judged_lists(source, users, uv, iv, exclude, k):
    """{user id: [item id, ...]}: the source's top ``k`` for each of ``users`` (ids), minus ``exclude``'s items."""
    idx = uv.encode(users)
    rows = [row for start in range(0, len(idx), 512) for row in source.lists(idx[start : start + 512], exclude, k)]
    return {u: [iv.ids[j] for j in row] for u, row in zip(users, rows, strict=True)}


def bought_matrix(bought, uv, iv):
    pairs = [(u, i) for u, items in bought.items() if u in uv.index for i in items if i in iv.index]
    return binary(uv.encode([u for u, _ in pairs]), iv.encode([i for _, i in pairs]), (len(uv), len(iv)))


def _prepared(train, users, params):
    from .features import ItemMeta
    from .pairs import Prepared
    from .params import default_params

    params = {**default_params(), **(params or {})}
    uv, iv = Vocab([*train.users.tolist(), *users]), Vocab(train.items.tolist())
    return Prepared(train.with_positives(params["positive_kinds"], params["rating_positive_at"]),
                    ItemMeta(iv, {}), uv, iv, params)


def baseline_lists(name, train, users, bought, k=10, params=None, cut=None):
    """Baseline ``name`` fitted on ``train`` (up to ``cut``, else its newest event): each user's top ``k`` minus
    their purchases."""
    users = list(users)
    prep = _prepared(train, users, params)
    cut = (float(train.ts.max()) + 1 if len(train) else 0.0) if cut is None else cut
    return judged_lists(prep.source(name, cut), users, prep.uv, prep.iv, bought_matrix(bought, prep.uv, prep.iv), k)


def popularity_lists(train, users, bought, k, since=None, params=None):
    """Items by distinct buyers (since ``since``, when given), minus each user's purchases."""
    recent = train if since is None else train.subset(train.ts >= since)
    return baseline_lists("popularity", recent, users, bought, k, params, cut=float(train.ts.max()) + 1)


def item_knn_lists(train, users, bought, k, params=None):
    """Item-kNN: score(u, j) = sum over the user's items i of profile(u, i) * cosine(i, j)."""
    return baseline_lists("item_knn", train, users, bought, k, params)


def all_baselines(train, truth, bought, cut, k=10, params=None, names=None):
    """{baseline: {user: [item id]}} on the holdout split (DESIGN section 7), each fitted on ``train`` at ``cut``."""
    prep = _prepared(train, [], params)
    names = prep.params["baselines"] if names is None else names
    users, exclude = [u for u in truth if u in prep.uv.index], bought_matrix(bought, prep.uv, prep.iv)
    return {name: judged_lists(prep.source(name, cut), users, prep.uv, prep.iv, exclude, k) for name in names}

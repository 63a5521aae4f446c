"""Time-sliced state of the shop (item statistics, user profiles, item-item neighbourhoods), candidate sources and
ranking features. Pure numpy/scipy, no TensorFlow."""

from __future__ import annotations

import contextlib
import re
import zlib

import numpy as np
from scipy import sparse

from .data import DAY, KINDS

TOKEN = re.compile(r"[a-z0-9]+")
POP_WINDOWS = (7, 14, 30, 90)


class ItemMeta:
    """Per-item content arrays, aligned with the item vocabulary."""

    def __init__(self, item_vocab, products, text_buckets=4096, text_tokens=16):
        n = len(item_vocab)
        products = products or {}
        cats = [None] * n
        price = np.full(n, np.nan, dtype=np.float64)
        tokens = np.zeros((n, text_tokens), dtype=np.int64)
        texts = [""] * n
        for idx, item in enumerate(item_vocab.ids):
            info = products.get(item) or {}
            cats[idx] = info.get("category") or None
            if info.get("price") is not None:
                with contextlib.suppress(TypeError, ValueError):
                    price[idx] = float(info["price"])
            text = f"{info.get('title') or ''} {info.get('description') or ''}".lower()
            texts[idx] = text
            words = list(dict.fromkeys(TOKEN.findall(text)))[:text_tokens]
            for j, w in enumerate(words):
                tokens[idx, j] = 1 + zlib.crc32(w.encode()) % (text_buckets - 1)
        self.categories = [None, *sorted({c for c in cats if c is not None}, key=str)]
        cat_index = {c: i for i, c in enumerate(self.categories)}
        self.category = np.array([cat_index[c] for c in cats], dtype=np.int64)  # 0 = no category
        self.price = price
        logp = np.log1p(np.where(np.isnan(price), np.nan, np.maximum(price, 0)))
        finite = logp[np.isfinite(logp)]
        if finite.size:
            edges = np.quantile(finite, np.linspace(0, 1, 9)[1:-1])
            band = 1 + np.searchsorted(edges, np.nan_to_num(logp, nan=0.0))
        else:
            band = np.ones(n, dtype=np.int64)
        self.price_band = np.where(np.isfinite(logp), band, 0).astype(np.int64)  # 0 = unknown, 1..8
        self.log_price = logp
        self.tokens = tokens
        self.texts = texts


def _csr(rows, cols, vals, shape):
    m = sparse.csr_matrix((vals.astype(np.float32), (rows, cols)), shape=shape)
    m.sum_duplicates()
    return m


def _topk_columns(a, b, k, chunk=2048):
    """Cosine-like item x item matrix a.T @ b kept to the k largest per column (diagonal removed), as csr."""
    n = a.shape[1]
    rows, cols, vals = [], [], []
    at = a.T.tocsr()
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        block = (at @ b[:, start:stop]).toarray()  # n x chunk
        block[np.arange(start, stop), np.arange(stop - start)] = 0.0
        kk = min(k, n - 1)
        if kk <= 0:
            continue
        top = np.argpartition(-block, kk - 1, axis=0)[:kk] if kk < n else np.tile(np.arange(n)[:, None], stop - start)
        v = np.take_along_axis(block, top, axis=0)
        keep = v > 0
        c = np.broadcast_to(np.arange(start, stop)[None, :], top.shape)
        rows.append(top[keep])
        cols.append(c[keep])
        vals.append(v[keep])
    if not rows:
        return sparse.csr_matrix((n, n), dtype=np.float32)
    return sparse.csr_matrix(
        (np.concatenate(vals).astype(np.float32), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    )


def _col_normalise(m):
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=0))).ravel()
    norms[norms == 0] = 1.0
    return (m @ sparse.diags(1.0 / norms)).tocsc().astype(np.float32)


class State:
    """Everything the candidate sources and the ranker know at time ``now`` (only events before ``now``)."""

    def __init__(self, interactions, meta, user_vocab, item_vocab, now, params):
        self.now = float(now)
        self.meta = meta
        p = params
        inter = interactions.before(self.now)
        n_users, n_items = len(user_vocab), len(item_vocab)
        self.shape = (n_users, n_items)
        u = user_vocab.encode(inter.users)
        i = item_vocab.encode(inter.items)
        ok = (u >= 0) & (i >= 0)
        inter = inter.subset(ok)
        u, i = u[ok], i[ok]
        age = np.maximum(self.now - inter.ts, 0.0) / DAY
        kind_w = np.array([float(p["kind_weights"].get(k, 0.0)) for k in KINDS])
        kind_idx = np.array([KINDS.index(k) for k in inter.kinds.tolist()], dtype=np.int64)
        w = kind_w[kind_idx] if len(inter) else np.zeros(0)
        is_p = inter.positive

        # user profile: decayed, weighted interactions (rows = users)
        decay = np.exp(-age / float(p["profile_decay_days"]))
        self.profile = _csr(u, i, w * decay, self.shape)
        self.purchased = _csr(u[is_p], i[is_p], np.ones(is_p.sum()), self.shape)
        self.purchased.data[:] = 1.0
        self.touched = _csr(u[~is_p], i[~is_p], np.ones((~is_p).sum()), self.shape)  # viewed, carted, ...
        self.touched.data[:] = 1.0
        self.known_items = np.zeros(n_items, dtype=bool)
        self.known_items[i] = True
        self.known_users = np.zeros(n_users, dtype=bool)
        self.known_users[u] = True

        # item statistics: distinct buyers in windows, all-time, recent trend
        self.item_stats = {}
        pairs = _csr(u[is_p], i[is_p], np.ones(is_p.sum()), self.shape)
        pairs.data[:] = 1.0
        self.item_stats["pop_all"] = np.asarray(pairs.sum(axis=0)).ravel()
        for days in POP_WINDOWS:
            m = is_p & (age < days)
            pm = _csr(u[m], i[m], np.ones(m.sum()), self.shape)
            pm.data[:] = 1.0
            self.item_stats[f"pop_{days}"] = np.asarray(pm.sum(axis=0)).ravel()
        td = float(p["trend_days"])
        m = is_p & (age >= td) & (age < 2 * td)
        pm = _csr(u[m], i[m], np.ones(m.sum()), self.shape)
        pm.data[:] = 1.0
        prev = np.asarray(pm.sum(axis=0)).ravel()
        recent = self.item_stats.get(f"pop_{int(td)}", prev)
        self.item_stats["trend"] = (recent + 1.0) / (prev + 1.0)
        self.item_stats["trending"] = recent * np.log1p(self.item_stats["trend"])
        first = np.full(n_items, np.inf)
        last = np.full(n_items, np.inf)
        np.minimum.at(last, i, age)
        first_age = np.full(n_items, -np.inf)
        np.maximum.at(first_age, i, age)
        first[np.isfinite(first_age)] = first_age[np.isfinite(first_age)]
        self.item_stats["age_first"] = np.where(np.isfinite(first), first, 9999.0)
        self.item_stats["age_last"] = np.where(np.isfinite(last), last, 9999.0)

        # user statistics
        n_ev = np.bincount(u, minlength=n_users).astype(np.float64)
        u_last = np.full(n_users, 9999.0)
        np.minimum.at(u_last, u, age)
        u_first = np.full(n_users, -1.0)
        np.maximum.at(u_first, u, age)
        orders_u = {}
        for uu, oo in zip(u[is_p].tolist(), inter.orders[is_p].tolist(), strict=True):
            orders_u.setdefault(uu, set()).add(oo)
        n_orders = np.zeros(n_users)
        for uu, s in orders_u.items():
            n_orders[uu] = len(s)
        self.user_stats = {
            "n_events": n_ev,
            "n_orders": n_orders,
            "age_last": u_last,
            "tenure": np.maximum(u_first, 0.0),
            "n_items": np.diff(self.purchased.indptr).astype(np.float64),
        }
        lp = np.nan_to_num(meta.log_price, nan=0.0)
        has_p = np.isfinite(meta.log_price).astype(np.float64)
        num = self.profile @ (lp * has_p)
        den = self.profile @ has_p
        self.user_stats["log_price"] = np.where(den > 0, num / np.maximum(den, 1e-9), np.nan)

        # category affinity (share of the decayed profile per category); category popularity (recent)
        n_cat = len(meta.categories)
        self.cat_onehot = sparse.csr_matrix(
            (np.ones(n_items, dtype=np.float32), (np.arange(n_items), meta.category)), shape=(n_items, n_cat)
        )
        aff = (self.profile @ self.cat_onehot).toarray()
        aff[:, 0] = 0.0
        tot = aff.sum(axis=1, keepdims=True)
        self.cat_affinity = np.divide(aff, tot, out=np.zeros_like(aff), where=tot > 0).astype(np.float32)

        # item-item: cosine over users (decayed profile) and co-purchase in the same order (cosine over orders)
        k = int(p["knn_neighbours"])
        xn = _col_normalise(self.profile)
        self.knn = _topk_columns(xn, xn, k)
        om = is_p & (inter.orders != "")
        if om.any():
            order_ids, order_idx = np.unique(inter.orders[om], return_inverse=True)
            o = _csr(order_idx, i[om], np.ones(om.sum()), (len(order_ids), n_items))
            o.data[:] = 1.0
            on = _col_normalise(o)
            self.co = _topk_columns(on, on, k)
        else:
            self.co = sparse.csr_matrix((n_items, n_items), dtype=np.float32)
        self.tt_items = None  # item embeddings of the two-tower model, when it is fitted (for "similar items")
        self.fitted = {}  # {source name: Source fitted at now} (.sources), filled by Prepared.state

    def attach_two_tower(self, query_emb, item_emb):
        self.tt_items = item_emb


CONTEXT_FEATURES = ("pop_90", "pop_all", "age_first", "age_last", "touched", "u_events", "u_orders", "u_items",
                    "u_age_last", "u_tenure", "price_gap", "log_price")


def source_scores(state, users, sources):
    """{source: dense (len(users) x n_items) score matrix} of the fitted ``sources`` for the given user indices."""
    return {name: state.fitted[name].scores(users) for name in sources if name in state.fitted}


def candidates(state, users, sources, per_source, scores=None, by_source=None):
    """Boolean (len(users) x n_items) candidate mask: union of each source's top ``per_source`` new known items.
    With a dict ``by_source``, each source's own mask is stored in it."""
    scores = source_scores(state, users, sources) if scores is None else scores
    n = len(users)
    allowed = np.broadcast_to(state.known_items, (n, state.shape[1])).copy()
    bought = state.purchased[users]
    allowed[bought.nonzero()] = False
    mask = np.zeros((n, state.shape[1]), dtype=bool)
    k = min(per_source, state.shape[1])
    for name, s in scores.items():
        masked = np.where(allowed & (s > 0), s, -np.inf)
        top = (
            np.argpartition(-masked, k - 1, axis=1)[:, :k]
            if k < masked.shape[1]
            else np.tile(np.arange(masked.shape[1]), (n, 1))
        )
        vals = np.take_along_axis(masked, top, axis=1)
        rows = np.repeat(np.arange(n), top.shape[1]).reshape(top.shape)
        good = np.isfinite(vals)
        mask[rows[good], top[good]] = True
        if by_source is not None:
            own = np.zeros_like(mask)
            own[rows[good], top[good]] = True
            by_source[name] = own
    return mask & allowed, allowed, scores


def feature_matrix(state, users, rows, cols, scores):
    """Features of the (user=users[rows], item=cols) pairs: the shared context, then what each scored source
    describes (``Source.describe``); dict name -> float32 array."""
    st, us = state.item_stats, state.user_stats
    ui = np.asarray(users)[rows]
    f = {key: np.log1p(st[key][cols]) for key in ("pop_90", "pop_all", "age_first", "age_last")}
    # (an empty fancy index gives a sparse matrix back, not an array)
    f["touched"] = np.asarray(state.touched[ui, cols]).ravel() if len(rows) else np.zeros(0)
    for key, stat in (("u_events", "n_events"), ("u_orders", "n_orders"), ("u_items", "n_items"),
                      ("u_age_last", "age_last"), ("u_tenure", "tenure")):
        f[key] = np.log1p(us[stat][ui])
    f["log_price"] = state.meta.log_price[cols]
    f["price_gap"] = state.meta.log_price[cols] - us["log_price"][ui]
    for name, s in scores.items():
        f.update(state.fitted[name].describe(s, users, rows, cols))
    return {k: np.asarray(v, dtype=np.float32) for k, v in f.items()}


_STATE_SPARSE = ("profile", "purchased", "touched", "knn", "co")


def state_to_files(state, directory):
    """Write a State as numpy/scipy files; returns the paths written."""
    from pathlib import Path

    directory = Path(directory)
    written = []
    arrays = {
        "now": np.array(state.now),
        "shape": np.array(state.shape),
        "known_items": state.known_items,
        "known_users": state.known_users,
        "cat_affinity": state.cat_affinity,
        "meta_category": state.meta.category,
        "meta_price": state.meta.price,
        "meta_price_band": state.meta.price_band,
        "meta_log_price": state.meta.log_price,
        "meta_tokens": state.meta.tokens,
    }
    arrays.update({f"item_{k}": v for k, v in state.item_stats.items()})
    arrays.update({f"user_{k}": v for k, v in state.user_stats.items()})
    path = directory / "state.npz"
    np.savez(path, **arrays)
    written.append(str(path))
    for name in _STATE_SPARSE:
        path = directory / f"{name}.npz"
        sparse.save_npz(path, getattr(state, name).tocsr(), compressed=False)
        written.append(str(path))
    return written


def state_from_files(directory, categories, texts):
    from pathlib import Path

    directory = Path(directory)
    with np.load(directory / "state.npz", allow_pickle=False) as z:
        a = {k: z[k] for k in z.files}
    meta = ItemMeta.__new__(ItemMeta)
    meta.categories = list(categories)
    meta.category, meta.price, meta.price_band = a["meta_category"], a["meta_price"], a["meta_price_band"]
    meta.log_price, meta.tokens, meta.texts = a["meta_log_price"], a["meta_tokens"], list(texts)
    st = State.__new__(State)
    st.meta = meta
    st.now = float(a["now"])
    st.shape = tuple(int(x) for x in a["shape"])
    st.known_items, st.known_users, st.cat_affinity = a["known_items"], a["known_users"], a["cat_affinity"]
    st.item_stats = {k[5:]: v for k, v in a.items() if k.startswith("item_")}
    st.user_stats = {k[5:]: v for k, v in a.items() if k.startswith("user_")}
    st.tt_items, st.fitted = None, {}
    for name in _STATE_SPARSE:
        setattr(st, name, sparse.load_npz(directory / f"{name}.npz").tocsr())
    st.cat_onehot = sparse.csr_matrix(
        (np.ones(st.shape[1], dtype=np.float32), (np.arange(st.shape[1]), meta.category)),
        shape=(st.shape[1], len(meta.categories)),
    )
    return st

"""train() and the Recommender: candidate sources -> learned ranker, evaluated on a temporal holdout, then fitted on
all data. No TensorFlow at import time (the two-tower model is trained through .twotower, which imports it lazily)."""

from __future__ import annotations

import json
import os
import pickle
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import baselines
from .data import DAY, NotEnoughData, Vocab, choose_holdout, holdout_truth, plain
from .evaluate import evaluate_lists
from .features import SOURCE_FEATURES, ItemMeta, State, candidates, feature_matrix, source_scores
from .params import default_params
from .ranker import Ranker

REASONS = ("bought_with", "viewed", "bought_together", "similar", "trending", "popular")
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Rec:
    item: object
    score: float
    reason: str
    because: object = None
    category: str | None = None


def _progress(cb, pct, msg):
    if cb is not None:
        cb(int(pct), msg)


def _chunks(n, size):
    for start in range(0, n, size):
        yield np.arange(start, min(n, start + size))


def _chunk_size(n_items):
    return max(16, min(1024, int(4e6 // max(n_items, 1))))


class Engine:
    """Everything fitted for one point in time: the state (features at ``now``) and the ranker."""

    def __init__(self, state, ranker, sources, params):
        self.state, self.ranker, self.sources, self.params = state, ranker, list(sources), params

    def _feature_rows(self, users):
        st = self.state
        scores = source_scores(st, users, self.sources)
        mask, _, scores = candidates(st, users, self.sources, int(self.params["candidates_per_source"]), scores)
        rows, cols = np.nonzero(mask)
        feats = feature_matrix(st, users, rows, cols, scores)
        allowed = set()
        for s in self.sources:
            allowed.update(SOURCE_FEATURES.get(s, ()))
        drop = {f for feats_of in SOURCE_FEATURES.values() for f in feats_of} - allowed
        feats = {k: v for k, v in feats.items() if k not in drop}
        return rows, cols, feats, scores

    def rank(self, users, k):
        """(items (n x k) item indices, -1 padded; scores (n x k)) for user indices."""
        users = np.asarray(users, dtype=np.int64)
        out_items = np.full((len(users), k), -1, dtype=np.int64)
        out_scores = np.full((len(users), k), -np.inf)
        if len(users) == 0:
            return out_items, out_scores, {}
        rows, cols, feats, scores = self._feature_rows(users)
        s = self.ranker.score(feats) if len(rows) else np.zeros(0)
        # fill: per user, top k by ranker score; ties broken by item index for determinism
        order = np.lexsort((cols, -s, rows))
        rows_o, cols_o, s_o = rows[order], cols[order], s[order]
        starts = np.searchsorted(rows_o, np.arange(len(users)))
        pos = np.arange(len(rows_o)) - starts[rows_o]
        keep = pos < k
        out_items[rows_o[keep], pos[keep]] = cols_o[keep]
        out_scores[rows_o[keep], pos[keep]] = s_o[keep]
        # pad with popular items when a user has fewer than k candidates
        short = np.nonzero((out_items < 0).any(axis=1))[0]
        if len(short):
            pop = np.argsort(-(self.state.item_stats["pop_30"] + 1e-3 * self.state.item_stats["pop_all"]),
                             kind="stable")
            pop = pop[self.state.known_items[pop]]
            for r in short:
                have = set(out_items[r][out_items[r] >= 0].tolist())
                bought = set(self.state.purchased[users[r]].indices.tolist())
                fill = [j for j in pop[: k + len(have) + len(bought) + 1].tolist() if j not in have and j not in bought]
                free = np.nonzero(out_items[r] < 0)[0]
                for slot, j in zip(free, fill, strict=False):
                    out_items[r, slot] = j
                    out_scores[r, slot] = -1.0
        return out_items, out_scores, scores


def _fit_engine(inter, meta, uv, iv, now, params, tt_cache, on_progress=None, pct=(0, 100), cut=None):
    """Fit the ranker on an inner time split of the events before ``now`` (features before ``cut``, labels from
    ``cut`` to ``now``) and return the Engine at ``now``."""
    p = params
    sources = list(p["sources"])
    lo, hi = pct
    cut = now - float(p["label_days"]) * DAY if cut is None else cut
    inner = State(inter, meta, uv, iv, cut, p)
    _attach_two_tower(inner, inter, meta, uv, iv, cut, p, tt_cache, on_progress, (lo, lo + (hi - lo) * 0.3))
    _progress(on_progress, lo + (hi - lo) * 0.35, "ranker features")
    window = inter.subset((inter.ts >= cut) & (inter.ts < now))
    truth, _ = holdout_truth(inter.before(cut), window)
    engine = Engine(inner, None, sources, p)
    ranker = Ranker("none", [])
    if truth:
        rng = np.random.default_rng(int(p["seed"]))
        t_users = uv.encode(list(truth))
        if len(t_users) > int(p["ranker_max_users"]):
            t_users = np.sort(rng.choice(t_users, int(p["ranker_max_users"]), replace=False))
        all_feats, all_y, all_g = [], [], []
        for chunk in _chunks(len(t_users), _chunk_size(len(iv))):
            users = t_users[chunk]
            rows, cols, feats, _ = engine._feature_rows(users)
            y = np.zeros(len(rows), dtype=np.int64)
            truth_idx = [set(iv.encode(list(truth[uv.ids[u]])).tolist()) for u in users]
            for n, (r, c) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
                if c in truth_idx[r]:
                    y[n] = 1
            all_feats.append(feats)
            all_y.append(y)
            all_g.append(users[rows])
        feats = {key: np.concatenate([f[key] for f in all_feats]) for key in all_feats[0]}
        _progress(on_progress, lo + (hi - lo) * 0.45, "training the ranker")
        ranker = Ranker.fit(feats, np.concatenate(all_y), np.concatenate(all_g), p)
    else:
        ranker = Ranker("none", [])
    state = State(inter, meta, uv, iv, now, p)
    _attach_two_tower(state, inter, meta, uv, iv, now, p, tt_cache, on_progress, (lo + (hi - lo) * 0.6, hi))
    return Engine(state, ranker, sources, p)


def _attach_two_tower(state, inter, meta, uv, iv, cut, params, tt_cache, on_progress, pct):
    if "two_tower" not in params["sources"]:
        return
    key = round(float(cut), 3)
    if tt_cache is not None and key in tt_cache:
        q, e, w = tt_cache[key]
    else:
        from .twotower import fit_two_tower

        _progress(on_progress, pct[0], "training the two-tower retrieval model")
        q, e, w = fit_two_tower(inter.before(cut), meta, uv, iv, cut, params)
        if tt_cache is not None:
            tt_cache[key] = (q, e, w)
    state.attach_two_tower(q, e)
    state.tt_weights = w


def check_data(interactions, params):
    p = params
    n_events = len(interactions)
    if n_events < int(p["min_events"]):
        raise NotEnoughData(n_events, int(p["min_events"]), "events")
    n_users = len(set(interactions.users.tolist()))
    if n_users < int(p["min_users"]):
        raise NotEnoughData(n_users, int(p["min_users"]), "users")
    n_items = len(set(interactions.items.tolist()))
    if n_items < int(p["min_items"]):
        raise NotEnoughData(n_items, int(p["min_items"]), "items")


def make_vocabs(interactions, products, params):
    uv = Vocab(interactions.users.tolist())
    iv = Vocab([*interactions.items.tolist(), *list((products or {}).keys())])
    meta = ItemMeta(iv, products, int(params["tt_text_buckets"]), int(params["tt_text_tokens"]))
    return uv, iv, meta


def evaluate_holdout(interactions, products, params, tt_cache=None, now=None, on_progress=None, pct=(0, 60),
                     vocabs=None, with_baselines=True):
    """DESIGN section 7 protocol on the engine: returns (metrics dict, per-user ranked lists of the model)."""
    p = params
    end = float(interactions.ts.max()) if now is None else float(now)
    holdout = choose_holdout(interactions, float(p["holdout_days"]), min_users=int(p["holdout_min_users"]),
                             max_share=float(p["holdout_max_share"]), now=end)
    train_part, cut, truth, bought = holdout.train, holdout.cut, holdout.truth, holdout.bought
    uv, iv, meta = vocabs or make_vocabs(interactions, products, p)
    k = int(p["eval_k"])
    metrics = holdout.describe()
    lo, hi = pct
    engine = _fit_engine(train_part, meta, uv, iv, cut, p, tt_cache, on_progress, (lo, lo + (hi - lo) * 0.8))
    users = uv.encode(list(truth))
    lists = {}
    for chunk in _chunks(len(users), _chunk_size(len(iv))):
        items, _, _ = engine.rank(users[chunk], k)
        for u, row in zip(users[chunk].tolist(), items.tolist(), strict=True):
            lists[uv.ids[u]] = [iv.ids[j] for j in row if j >= 0]
    metrics.update(evaluate_lists(lists, truth, k))
    metrics.pop("n_users", None)
    if with_baselines:
        _progress(on_progress, lo + (hi - lo) * 0.9, "evaluating baselines")
        metrics["baselines"] = {name: evaluate_lists(bl, truth, k)
                                for name, bl in baselines.all_baselines(train_part, truth, bought, cut, k).items()}
    return metrics, lists


def train(interactions, products, params=None, *, now=None, on_progress=None):
    """Evaluate on the temporal holdout (model and baselines on the same split), then fit on all data."""
    started = time.monotonic()
    p = default_params()
    p.update(params or {})
    if now is not None:
        now_ts = now.timestamp() if hasattr(now, "timestamp") else float(now)
        interactions = interactions.subset(interactions.ts <= now_ts)
    check_data(interactions, p)
    end = float(interactions.ts.max()) if now is None else now_ts
    _progress(on_progress, 1, "preparing data")
    vocabs = make_vocabs(interactions, products, p)
    uv, iv, meta = vocabs
    tt_cache = {}
    metrics, _ = evaluate_holdout(interactions, products, p, tt_cache, end, on_progress, (2, 55), vocabs)
    eval_seconds = time.monotonic() - started
    _progress(on_progress, 60, "fitting on all data")
    engine = _fit_engine(interactions, meta, uv, iv, end + 1e-3, p, tt_cache, on_progress, (60, 98),
                         cut=end - float(p["label_days"]) * DAY)
    metrics["eval_seconds"] = round(eval_seconds, 2)
    metrics["train_seconds"] = round(time.monotonic() - started, 2)
    metrics["n_events"] = len(interactions)
    metrics["n_users"] = len(uv)
    metrics["n_items"] = len(iv)
    metrics["ranker"] = engine.ranker.kind
    metrics["sources"] = list(engine.sources)
    _progress(on_progress, 100, "done")
    return Recommender(engine, uv, iv, meta, p, metrics)


def _topk_row(scores, k, exclude=None):
    s = np.asarray(scores, dtype=np.float64).copy()
    if exclude is not None:
        s[exclude] = -np.inf
    k = min(k, int(np.isfinite(s).sum()), int((s > 0).sum()))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-s, k - 1)[:k]
    return top[np.lexsort((top, -s[top]))]


class Recommender:
    """A fitted engine: candidate sources + learned ranker at the time of the last event, with its metrics."""

    def __init__(self, engine, user_vocab, item_vocab, meta, params, metrics):
        self._engine = engine
        self._uv, self._iv, self._meta = user_vocab, item_vocab, meta
        self.params = params
        self.metrics = metrics

    # -- queries -------------------------------------------------------------------------------------------------
    def users(self):
        known = self._engine.state.known_users
        return [plain(u) for n, u in enumerate(self._uv.ids) if known[n]]

    def items(self):
        known = self._engine.state.known_items
        return [plain(i) for n, i in enumerate(self._iv.ids) if known[n]]

    def recommend(self, users, k=50):
        """{user: [Rec]} for the given users (unknown users are left out); excludes items the user purchased."""
        st = self._engine.state
        ids = [u for u in users if self._uv.index.get(u, -1) >= 0 and st.known_users[self._uv.index[u]]]
        idx = self._uv.encode(ids)
        out = {}
        trend_rank = np.argsort(np.argsort(-st.item_stats["trending"], kind="stable"), kind="stable")
        trend_cut = max(10, int(0.05 * st.known_items.sum()))
        sim = (st.knn + st.co).tocsr()
        for chunk in _chunks(len(idx), _chunk_size(len(self._iv))):
            users_c = idx[chunk]
            items, scores, src = self._engine.rank(users_c, k)
            knn_s, co_s, tt_s = src.get("item_knn"), src.get("co_purchase"), src.get("two_tower")
            for r, u in enumerate(users_c.tolist()):
                valid = items[r] >= 0
                js, ss = items[r][valid], scores[r][valid]
                prof = st.profile[u]
                p_items, p_w = prof.indices, prof.data
                personal = np.zeros(len(js))
                for s_mat in (knn_s, co_s):
                    if s_mat is not None and s_mat[r].max() > 0:
                        personal = np.maximum(personal, s_mat[r, js] / s_mat[r].max())
                contrib = (p_w[:, None] * sim[p_items][:, js].toarray()) if len(p_items) else None
                tt_rank = ((tt_s[r][None, :] > tt_s[r, js][:, None]).sum(axis=1) if tt_s is not None
                           else np.full(len(js), 1 << 30))
                out[plain(self._uv.ids[u])] = [
                    self._reason(u, int(j), s, personal[n], None if contrib is None else contrib[:, n], p_items,
                                 p_w, int(tt_rank[n]), trend_rank, trend_cut)
                    for n, (j, s) in enumerate(zip(js.tolist(), ss.tolist(), strict=True))]
        return out

    def _reason(self, u, j, score, personal, contrib, p_items, p_w, tt_rank, trend_rank, trend_cut):
        """The strongest source names the reason: the user's item most similar to j (kNN + co-purchase, else the
        two-tower item embeddings) when a personal source ranks j high, else trending in j's category, else popular."""
        st = self._engine.state
        item = plain(self._iv.ids[j])
        score = float(score) if np.isfinite(score) else 0.0
        because = None
        if contrib is not None:
            if personal >= 0.25 and contrib.max() > 0:
                because = int(p_items[int(np.argmax(contrib))])
            elif tt_rank < 20:
                cos = st.tt_items[p_items] @ st.tt_items[j]
                if cos.max() > 0.3:
                    because = int(p_items[int(np.argmax(p_w * cos))])
        if because is not None:
            bought = st.purchased[u, because] > 0
            return Rec(item, score, "bought_with" if bought else "viewed", plain(self._iv.ids[because]))
        if trend_rank[j] < trend_cut:
            cat = self._meta.categories[int(self._meta.category[j])]
            return Rec(item, score, "trending", None, cat)
        return Rec(item, score, "popular")

    def similar(self, k=20):
        """{item: [Rec(reason="similar", because=item)]}: item-embedding cosine blended with item-kNN; content
        (TF-IDF of title, description, category) for items without interactions."""
        st = self._engine.state
        n = st.shape[1]
        known = st.known_items
        out = {}
        knn = st.knn.tocsc()
        emb = st.tt_items
        for chunk in _chunks(n, 512):
            block = np.asarray(knn[:, chunk].todense()).T  # chunk x n
            mx = block.max(axis=1, keepdims=True)
            block = np.divide(block, mx, out=np.zeros_like(block), where=mx > 0)
            if emb is not None:
                block = 0.5 * block + 0.5 * np.maximum(emb[chunk] @ emb.T, 0.0)
            for r, i in enumerate(chunk.tolist()):
                if not known[i]:
                    continue
                s = np.where(known, block[r], 0.0)
                s[i] = 0.0
                top = _topk_row(s, k)
                out[plain(self._iv.ids[i])] = [Rec(plain(self._iv.ids[j]), float(s[j]), "similar",
                                                   plain(self._iv.ids[i])) for j in top]
        cold = np.nonzero(~known)[0]
        if len(cold) and known.any():
            out.update(self._content_similar(cold, k))
        return out

    def _content_similar(self, cold, k):
        from sklearn.feature_extraction.text import TfidfVectorizer

        meta, st = self._meta, self._engine.state
        texts = [f"{t} {meta.categories[int(c)] or ''}" for t, c in zip(meta.texts, meta.category, strict=True)]
        try:
            x = TfidfVectorizer(min_df=1, sublinear_tf=True).fit_transform(texts)
        except ValueError:  # no words at all
            return {}
        known_idx = np.nonzero(st.known_items)[0]
        out = {}
        sims = (x[cold] @ x[known_idx].T).toarray()
        for r, i in enumerate(cold.tolist()):
            top = _topk_row(sims[r], k)
            out[plain(self._iv.ids[i])] = [Rec(plain(self._iv.ids[known_idx[j]]), float(sims[r, j]), "similar",
                                               plain(self._iv.ids[i])) for j in top]
        return out

    def bought_together(self, k=20):
        """{item: [Rec(reason="bought_together", because=item)]}: cosine of co-occurrence in the same order."""
        co = self._engine.state.co.tocsc()
        out = {}
        for i in range(co.shape[1]):
            start, stop = co.indptr[i], co.indptr[i + 1]
            if start == stop:
                continue
            rows, vals = co.indices[start:stop], co.data[start:stop]
            order = np.lexsort((rows, -vals))[:k]
            out[plain(self._iv.ids[i])] = [Rec(plain(self._iv.ids[rows[o]]), float(vals[o]), "bought_together",
                                               plain(self._iv.ids[i])) for o in order]
        return out

    def trending(self, k=50):
        """{category or None (overall): [Rec(reason="trending", category=...)]}: recent buyers x growth."""
        st = self._engine.state
        score = st.item_stats["trending"] + 1e-3 * st.item_stats["pop_30"]
        score = np.where(st.known_items, score, 0.0)
        out = {}
        top = _topk_row(score, k)
        out[None] = [Rec(plain(self._iv.ids[j]), float(score[j]), "trending", None, None) for j in top]
        cats = self._meta.category
        for c in range(1, len(self._meta.categories)):
            name = self._meta.categories[c]
            top = _topk_row(np.where(cats == c, score, 0.0), k)
            if len(top):
                out[name] = [Rec(plain(self._iv.ids[j]), float(score[j]), "trending", None, name) for j in top]
        return out

    # -- persistence ---------------------------------------------------------------------------------------------
    def save(self, directory):
        from .features import state_to_files

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        eng = self._engine
        written = state_to_files(eng.state, directory)
        ranker = eng.ranker
        if ranker.kind == "hgb":
            path = directory / "ranker.pkl"
            with open(path, "wb") as fh:
                pickle.dump(ranker.model, fh, protocol=pickle.HIGHEST_PROTOCOL)
            written.append(str(path))
        elif ranker.kind == "tfrs":
            path = directory / "ranker_mlp.npz"
            arrays = {"mean": ranker.model["mean"], "std": ranker.model["std"]}
            for n, (w, b) in enumerate(ranker.model["layers"]):
                arrays[f"w{n}"], arrays[f"b{n}"] = w, b
            np.savez(path, **arrays)
            written.append(str(path))
        weights = getattr(eng.state, "tt_weights", None)
        if weights:
            path = directory / "two_tower_weights.npz"
            np.savez(path, **weights)
            written.append(str(path))
        meta = {"format": FORMAT_VERSION, "params": self.params, "metrics": self.metrics,
                "users": [plain(u) for u in self._uv.ids], "items": [plain(i) for i in self._iv.ids],
                "categories": self._meta.categories, "texts": self._meta.texts,
                "ranker": {"kind": ranker.kind, "columns": ranker.columns}, "sources": eng.sources}
        path = directory / "recommender.json"
        path.write_text(json.dumps(meta), encoding="utf-8")
        written.append(str(path))
        return written

    @classmethod
    def load(cls, directory):
        from .data import Vocab
        from .features import state_from_files

        directory = Path(directory)
        meta = json.loads((directory / "recommender.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported recommender format {meta.get('format')!r} in {directory}")
        state = state_from_files(directory, meta["categories"], meta["texts"])
        kind, columns = meta["ranker"]["kind"], meta["ranker"]["columns"]
        model = None
        if kind == "hgb":
            with open(directory / "ranker.pkl", "rb") as fh:
                model = pickle.load(fh)  # written by our own trainer into the model version directory
        elif kind == "tfrs":
            with np.load(directory / "ranker_mlp.npz") as z:
                n_layers = sum(1 for f in z.files if f.startswith("w"))
                model = {"mean": z["mean"], "std": z["std"],
                         "layers": [(z[f"w{n}"], z[f"b{n}"]) for n in range(n_layers)]}
        if os.path.exists(directory / "two_tower_weights.npz"):
            with np.load(directory / "two_tower_weights.npz") as z:
                state.tt_weights = {f: z[f] for f in z.files}
        params = meta["params"]
        engine = Engine(state, Ranker(kind, columns, model), meta["sources"], params)
        return cls(engine, Vocab(meta["users"]), Vocab(meta["items"]), state.meta, params, meta["metrics"])

"""train() and the Recommender: candidate sources -> learned ranker, evaluated on a temporal holdout, then fitted on
all data. No TensorFlow at import time (the two-tower model is trained through .twotower, which imports it lazily)."""

from __future__ import annotations

import time

import numpy as np

from . import baselines
from .data import DAY, NotEnoughData, Vocab, choose_holdout, plain
from .evaluate import evaluate_lists
from .features import ItemMeta
from .pairs import Prepared, chunk_size, chunks, pair_table, report_progress, top_per_user
from .params import default_params
from .ranker import Ranker
from .reasons import REASONS, Explainer, Rec
from .registry import label
from .selection import fit_ranker, select_system

__all__ = ["REASONS", "Rec", "Recommender", "train"]


class Engine:
    """Everything fitted for one point in time: the state (features at ``now``) and the ranker."""

    def __init__(self, state, ranker, sources, params):
        self.state, self.ranker, self.sources, self.params = state, ranker, list(sources), params

    def _feature_rows(self, users):
        rows, cols, feats, scores, _ = pair_table(self.state, users, self.sources, self.params)
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
        top = top_per_user(rows, cols, s, len(users), k)
        for r, picked in enumerate(top):
            out_items[r, : len(picked)] = [c for c, _ in picked]
            out_scores[r, : len(picked)] = [v for _, v in picked]
        # pad with popular items when a user has fewer than k candidates
        short = np.nonzero((out_items < 0).any(axis=1))[0]
        if len(short):
            pop = np.argsort(
                -(self.state.item_stats["pop_30"] + 1e-3 * self.state.item_stats["pop_all"]), kind="stable"
            )
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


def _fit_engine(prep, now, params, on_progress=None, pct=(0, 100), cut=None):
    """Fit the ranker on an inner time split of the events before ``now`` (features before ``cut``, labels from
    ``cut`` to ``now``) and return the Engine at ``now``."""
    p = params
    sources = list(p["sources"])
    lo, hi = pct
    cut = now - float(p["label_days"]) * DAY if cut is None else cut
    report_progress(on_progress, lo + (hi - lo) * 0.05, "ranker features")
    pairs = None
    for back in range(int(p["label_windows"])):  # more windows, each label_days earlier: more to learn from
        shift = back * float(p["label_days"]) * DAY
        more = prep.labelled(cut - shift, now - shift, sources, int(p["ranker_max_users"]), pct=lo)
        pairs = more if pairs is None else pairs.join(more)
    if pairs is None:
        ranker = Ranker("none", [])
    else:
        report_progress(on_progress, lo + (hi - lo) * 0.45, "training the ranker")
        ranker = fit_ranker(pairs, sources, p, p["ranker"])
    state = prep.state(now, sources, pct=lo + (hi - lo) * 0.6)
    return Engine(state, ranker, sources, p)


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


def data_warnings(interactions, params):
    """What the configured event kinds leave without data, in words (for the run log)."""
    out = []
    kinds = set(np.unique(interactions.kinds).tolist())
    positive = params["positive_kinds"]
    if not interactions.positive.any():
        seen = ", ".join(sorted(kinds)) or "none"
        out.append(
            f"no event counts as a purchase (positive_kinds {positive}; the log has {seen}): popularity, "
            "trending, co-purchase and the held-out truth have no data. Add the kinds you log to "
            "PARAMS['positive_kinds']."
        )
    elif not (interactions.orders[interactions.positive] != "").any():
        out.append("no purchase has an order reference: co-purchase (bought together) has no data")
    weightless = sorted(k for k in kinds if float(params["kind_weights"].get(k, 0.0)) <= 0)
    if weightless:
        out.append(f"events of kind {', '.join(weightless)} weigh 0 in PARAMS['kind_weights'] and are ignored")
    return out


def make_vocabs(interactions, products, params):
    uv = Vocab(interactions.users.tolist())
    iv = Vocab([*interactions.items.tolist(), *list((products or {}).keys())])
    meta = ItemMeta(iv, products, int(params["tt_text_buckets"]), int(params["tt_text_tokens"]))
    return uv, iv, meta


def _rank_lists(engine, users, uv, iv, k):
    lists = {}
    for chunk in chunks(len(users), chunk_size(len(iv))):
        items, _, _ = engine.rank(users[chunk], k)
        for u, row in zip(users[chunk].tolist(), items.tolist(), strict=True):
            lists[uv.ids[u]] = [iv.ids[j] for j in row if j >= 0]
    return lists


def _holdout(interactions, p, end):
    """The held-out window the parameters ask for, ending at ``end``."""
    return choose_holdout(interactions, float(p["holdout_days"]), min_users=int(p["holdout_min_users"]),
                          max_share=float(p["holdout_max_share"]), now=end)


def evaluate_holdout(
    interactions,
    products,
    params,
    cache=None,
    now=None,
    on_progress=None,
    pct=(0, 60),
    vocabs=None,
    with_baselines=True,
):
    """DESIGN section 7 protocol on the engine: returns (metrics dict, per-user ranked lists of the learned system).

    With ``params["select"]`` the sources and the ranker are first chosen inside the training window
    (``select_system``); the metrics then name them. ``cache`` (any dict) shares states and fitted models
    between calls on the same events."""
    p = {**default_params(), **params}
    interactions = interactions.with_positives(p["positive_kinds"], p["rating_positive_at"])
    end = float(interactions.ts.max()) if now is None else float(now)
    holdout = _holdout(interactions, p, end)
    uv, iv, meta = vocabs or make_vocabs(interactions, products, p)
    prep = Prepared(holdout.train, meta, uv, iv, p, cache, on_progress)
    return _judge(prep, holdout, p, on_progress, pct, with_baselines)


def _judge(prep, holdout, p, on_progress, pct, with_baselines, rivals=None):
    lo, hi = pct
    cut, truth, k = holdout.cut, holdout.truth, int(p["eval_k"])
    metrics = holdout.describe()
    selection = None
    if p["select"]:
        selection = select_system(prep, cut, on_progress, (lo, lo + (hi - lo) * 0.4))
        p = {**p, **{key: selection[key] for key in CONFIG if key in selection}}
    engine = _fit_engine(prep, cut, p, on_progress, (lo + (hi - lo) * 0.4, lo + (hi - lo) * 0.85))
    lists = _rank_lists(engine, prep.uv.encode(list(truth)), prep.uv, prep.iv, k)
    metrics.update(evaluate_lists(lists, truth, k))
    metrics.pop("n_users", None)
    metrics.update(sources=list(engine.sources), ranker=engine.ranker.kind, label_windows=int(p["label_windows"]),
                   ranker_iterations=int(p["ranker_iterations"]), selection=selection)
    if with_baselines:
        report_progress(on_progress, lo + (hi - lo) * 0.9, "evaluating the baselines")
        exclude = baselines.bought_matrix(holdout.bought, prep.uv, prep.iv)
        users = [u for u in truth if u in prep.uv.index]
        metrics["baselines"] = {
            name: evaluate_lists(baselines.judged_lists(prep.source(name, cut), users, prep.uv, prep.iv, exclude, k),
                                 truth, k)
            for name in p["baselines"]
        }
    metrics["rivals"] = {}
    for name, rival in (rivals or {}).items():
        metrics["rivals"][name] = _rival_score(prep, holdout, p, metrics, rival, lists_k=k)
    return metrics, lists


def _rival_score(prep, holdout, p, metrics, rival, lists_k):
    """A configuration (an active version's) judged on this split: a baseline's score is in this run already; a
    learned system with the same configuration scores the same (training is deterministic); else it is refitted
    on this split."""
    served = rival.get("served", "learned")
    if served != "learned":
        return (metrics.get("baselines") or {}).get(served, {}).get(METRIC)
    config = {**p, **rival["params"], "select": False}
    keys = {key for key in config if key != "served" and not key.startswith("select")}
    if all(config.get(key) == p.get(key) for key in keys):
        return metrics[METRIC]
    engine = _fit_engine(prep, holdout.cut, config)
    lists = _rank_lists(engine, prep.uv.encode(list(holdout.truth)), prep.uv, prep.iv, lists_k)
    return evaluate_lists(lists, holdout.truth, lists_k)[METRIC]


METRIC = "recall_at_10"
# what the selection chooses, stored in the metrics under these names
CONFIG = ("sources", "ranker", "ranker_iterations", "label_windows")


def train(interactions, products, params=None, *, now=None, on_progress=None, rivals=None):
    """Judge the learned system and every baseline on the temporal holdout (the same split), then fit the winner on
    all data: the learned system unless it loses to the best baseline, else that baseline.

    ``rivals`` ({name: {"served": ..., "params": {...}}}, e.g. the active version's configuration) are judged on
    the same split too; their scores are in ``metrics["rivals"]``."""
    started = time.monotonic()
    p = default_params()
    p.update(params or {})
    if now is not None:
        now_ts = now.timestamp() if hasattr(now, "timestamp") else float(now)
        interactions = interactions.subset(interactions.ts <= now_ts)
    interactions = interactions.with_positives(p["positive_kinds"], p["rating_positive_at"])
    check_data(interactions, p)
    end = float(interactions.ts.max()) if now is None else now_ts
    report_progress(on_progress, 1, "preparing data")
    uv, iv, meta = make_vocabs(interactions, products, p)
    warnings = data_warnings(interactions, p)
    try:
        holdout = _holdout(interactions, p, end)
    except NotEnoughData as exc:
        exc.warnings = warnings  # often the reason: no event counts as a purchase
        raise
    cache = {}
    metrics, _ = _judge(
        Prepared(holdout.train, meta, uv, iv, p, cache, on_progress), holdout, p, on_progress, (2, 60), True, rivals
    )
    metrics["warnings"] = warnings
    learned = {key: metrics[key] for key in (METRIC, "ndcg_at_10")}
    best = max(metrics["baselines"], key=lambda name: (metrics["baselines"][name][METRIC], name == "popularity"))
    served = "learned" if learned[METRIC] >= metrics["baselines"][best][METRIC] else best
    metrics.update(learned=learned, served=served, served_reason=served_reason(served, learned, metrics, best))
    if served != "learned":
        metrics.update(metrics["baselines"][served])
        metrics.pop("n_users", None)
    eval_seconds = time.monotonic() - started
    report_progress(on_progress, 60, "fitting on all data")
    # The states before the held-out cut are the same on all events (each sees only what came before its cut).
    full = Prepared(interactions, meta, uv, iv, p, cache, on_progress)
    effective = {**p, **{key: metrics[key] for key in CONFIG}}
    if served == "learned":
        engine = _fit_engine(full, end + 1e-3, effective, on_progress, (60, 98), cut=end - float(p["label_days"]) * DAY)
        scorer = None
    else:
        engine = Engine(full.state(end + 1e-3, (served,)), Ranker("none", []), [], effective)
        scorer = engine.state.fitted[served]
    metrics["eval_seconds"] = round(eval_seconds, 2)
    metrics["train_seconds"] = round(time.monotonic() - started, 2)
    metrics["n_events"] = len(interactions)
    metrics["n_users"] = len(uv)
    metrics["n_items"] = len(iv)
    report_progress(on_progress, 100, "done")
    return Recommender(engine, uv, iv, meta, p, metrics, served=served, scorer=scorer)


def served_reason(served, learned, metrics, best):
    """Why ``served`` serves, in one sentence for the dashboard."""
    base = metrics["baselines"][best][METRIC]
    days = metrics.get("holdout_days")
    where = f"on the held-out newest {days:g} days" if days else "on the held-out window"
    if served == "learned":
        return (
            f"Its Recall@10 {learned[METRIC]:.4f} {where} is at least the best baseline's ({label(best)}, "
            f"{base:.4f})."
        )
    name = label(served)
    return (
        f"The learned system's Recall@10 {learned[METRIC]:.4f} {where} lost to {name}'s {base:.4f}, so this shop "
        f"gets {name}, the better of the two."
    )


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
    """A fitted engine at the time of the last event, with its metrics: candidate sources + learned ranker when
    ``served == "learned"``, else the baseline that won on this shop (``scorer``). Similar, bought together and
    trending come from the same state either way."""

    def __init__(self, engine, user_vocab, item_vocab, meta, params, metrics, served="learned", scorer=None):
        self._engine = engine
        self._uv, self._iv, self._meta = user_vocab, item_vocab, meta
        self.params = params
        self.metrics = metrics
        self.served, self._scorer = served, scorer

    # -- queries -------------------------------------------------------------------------------------------------
    def users(self):
        known = self._engine.state.known_users
        return [plain(u) for n, u in enumerate(self._uv.ids) if known[n]]

    def items(self):
        known = self._engine.state.known_items
        return [plain(i) for n, i in enumerate(self._iv.ids) if known[n]]

    def recommend(self, users, k=50):
        """{user: [Rec]} for the given users (unknown users are left out); excludes items the user purchased. Each
        pick carries its reason (``.reasons``)."""
        st = self._engine.state
        ids = [u for u in users if self._uv.index.get(u, -1) >= 0 and st.known_users[self._uv.index[u]]]
        idx = self._uv.encode(ids)
        alone = self._scorer is not None
        explainer = Explainer(st, self._meta, self._iv.ids, None if alone else int(self.params.get("reason_rank", 20)),
                              self.served if alone else None)
        out = {}
        for chunk in chunks(len(idx), 512 if alone else chunk_size(len(self._iv))):
            users_c = idx[chunk]
            if alone:
                scores = self._scorer.scores(users_c)
                lists = self._scorer.lists(users_c, st.purchased, k)
                items = [np.asarray(row, dtype=np.int64) for row in lists]
                values = [scores[r][row] for r, row in enumerate(items)]
                src = {self.served: scores}
            else:
                ranked, ranked_scores, src = self._engine.rank(users_c, k)
                items = [row[row >= 0] for row in ranked]
                values = [s_row[row >= 0] for row, s_row in zip(ranked, ranked_scores, strict=True)]
            tops = {name: explainer.in_top(np.asarray(s)) for name, s in src.items() if st.fitted[name].personal}
            for r, u in enumerate(users_c.tolist()):
                rows = {name: (src[name][r], top[r]) for name, top in tops.items()}
                out[plain(self._uv.ids[u])] = explainer.explain(u, items[r], values[r], rows)
        return out

    def similar(self, k=20):
        """{item: [Rec(reason="similar", because=item)]}: co-view and co-purchase neighbours blended with content and
        category similarity (``similar.similar_items``); an item without interactions gets its content neighbours."""
        from .similar import similar_items

        if not self._engine.state.known_items.any():
            return {}
        ids = self._iv.ids
        return {plain(ids[i]): [Rec(plain(ids[j]), score, "similar", plain(ids[i])) for j, score in recs]
                for i, recs in similar_items(self._engine.state, self._meta, k).items() if recs}

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
            out[plain(self._iv.ids[i])] = [
                Rec(plain(self._iv.ids[rows[o]]), float(vals[o]), "bought_together", plain(self._iv.ids[i]))
                for o in order
            ]
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
        from .persistence import save

        return save(self, directory)

    @classmethod
    def load(cls, directory):
        from .persistence import load

        return load(cls, directory)

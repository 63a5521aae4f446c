"""One contract for every source of scores (ai_commerce.recommendations.engine.sources): a new source is one class
and one registration, and it then takes part everywhere: the ranker's selection and its ablation, the baselines,
the reasons and the saved artifact. EASE and RP3beta are such sources."""

import numpy as np
import pytest

from ai_commerce.recommendations.engine import Recommender, default_params, train
from ai_commerce.recommendations.engine.baselines import all_baselines
from ai_commerce.recommendations.engine.data import DAY
from ai_commerce.recommendations.engine.model import Prepared, make_vocabs
from ai_commerce.recommendations.engine.registry import SOURCES, register, unregister
from ai_commerce.recommendations.engine.sources import Fitting, ItemItem
from tests.recommendations.test_engine import TINY, _shop


class SameCategory(ItemItem):
    """A made-up source: items of the categories the user bought from, weighted by how often (a shop's own idea)."""

    name, label = "same_category", "same category"
    features = ("samecat_score", "samecat_rank")

    @classmethod
    def fit(cls, fitting):
        cat = fitting.state.meta.category
        w = (cat[:, None] == cat[None, :]) & (cat[:, None] > 0)
        np.fill_diagonal(w, False)
        return cls({"w": w.astype(np.float32)}, fitting.state)


@pytest.fixture
def registered():
    register(SameCategory)
    yield SameCategory
    unregister(SameCategory.name)


@pytest.mark.train
def test_a_new_source_takes_part_in_selection_ablation_baselines_reasons_and_the_artifact(registered, tmp_path):
    inter, products = _shop(seed=3)
    sources = ["item_knn", "recent_popularity", "same_category"]
    params = {**TINY, "sources": sources, "baselines": ["popularity", "same_category"], "select_rankers": ["hgb"]}
    rec = train(inter, products, params)
    m = rec.metrics
    trials = m["selection"]["trials"]
    # selection tried the ranker with it and without it (the ablation)
    assert any("same_category" in t["sources"] for t in trials)
    alone = m["selection"]["blend"]["sources_alone"]
    if max(alone, key=alone.get) == "same_category":  # the strongest source alone is never dropped: it anchors
        assert "same_category" in m["sources"] and m["selection"]["blend"]["anchor"] == "same_category"
    else:
        assert any("same_category" not in t["sources"] and len(t["sources"]) == 2 for t in trials)
    assert "same_category" in m["baselines"] and 0 < m["baselines"]["same_category"]["recall_at_10"] <= 1
    # it contributes its own features to the ranker when kept, and its arrays to the saved model version
    files = rec.save(tmp_path / "v")
    kept = "same_category" in m["sources"] or rec.served == "same_category"
    assert any(f.endswith("same_category_weights.npz") for f in files) == kept
    if "same_category" in m["sources"]:
        assert {"samecat_score", "samecat_rank"} <= set(rec._engine.ranker.columns)
    loaded = Recommender.load(tmp_path / "v")
    users = rec.users()
    assert loaded.recommend(users, 5) == rec.recommend(users, 5)


@pytest.mark.train
def test_a_source_serving_alone_explains_its_picks_with_its_own_because(registered):
    inter, products = _shop(seed=4)
    params = {**TINY, "sources": ["trending"], "ranker": "none", "select": False, "baselines": ["same_category"]}
    rec = train(inter, products, params)
    assert rec.served == "same_category", rec.metrics["served_reason"]  # a lone trending list loses to it here
    assert "same category" in rec.metrics["served_reason"]
    bought = {}
    for u, i, k in zip(inter.users.tolist(), inter.items.tolist(), inter.kinds.tolist(), strict=True):
        if k == "purchase":
            bought.setdefault(u, set()).add(i)
    lists = rec.recommend(rec.users(), 5)
    reasons = [r for recs in lists.values() for r in recs]
    assert reasons and all(r.reason in ("bought_with", "viewed") for r in reasons)
    # the item named is one of the user's own, of the same category as the pick
    for u, recs in lists.items():
        for r in recs:
            assert products[r.because]["category"] == products[r.item]["category"]
            assert r.reason != "bought_with" or r.because in bought[u]


def test_an_unknown_source_is_named():
    inter, products = _shop()
    with pytest.raises(ValueError, match=r"unknown source\(s\) 'nope'"):
        train(inter, products, {**TINY, "sources": ["nope"], "select": False})


def _prepared(inter, products, **overrides):
    params = {**default_params(), **TINY, **overrides}
    uv, iv, meta = make_vocabs(inter, products, params)
    return Prepared(inter.with_positives(), meta, uv, iv, params), iv


def test_ease_is_the_closed_form_and_its_pruned_variant_keeps_the_most_bought_items():
    inter, products = _shop()
    prep, iv = _prepared(inter, products, ease_lambda=10.0)
    cut = float(inter.ts.max()) + 1
    ease = SOURCES["ease"].fit(Fitting(prep, cut))
    x = Fitting(prep, cut).binary()
    keep = ease.arrays["keep"]
    g = (x[:, keep].T @ x[:, keep]).toarray() + 10.0 * np.eye(len(keep))
    # B minimises ||X - XB||^2 + lambda ||B||^2 with diag(B) = 0: the Lagrangian's stationarity, column by column
    b = ease.arrays["b"].astype(np.float64)
    grad = g @ b - (g - 10.0 * np.eye(len(keep)))
    off = ~np.eye(len(keep), dtype=bool)
    assert np.allclose(np.diag(b), 0) and np.abs(grad[off]).max() < 1e-3
    # items of group "a" score items of group "a" for a user who bought from "a"
    s = ease.scores(np.array([0]))[0]
    top = np.argsort(-s)[:5]
    assert all(str(iv.ids[j]).startswith("a") for j in top)
    small = SOURCES["ease"].fit(Fitting(_prepared(inter, products, ease_max_items=5)[0], cut))
    counts = np.asarray(x.sum(axis=0)).ravel()
    assert len(small.arrays["keep"]) == 5 and counts[small.arrays["keep"]].min() >= np.sort(counts)[-5]


def test_rp3beta_walks_within_the_groups_and_penalises_popularity():
    inter, products = _shop()
    prep, iv = _prepared(inter, products)
    cut = float(inter.ts.max()) + 1
    rp3 = SOURCES["rp3beta"].fit(Fitting(prep, cut))
    w = rp3.arrays["w"].toarray()
    group = np.array([str(i)[0] for i in iv.ids])
    assert w[group[:, None] != group[None, :]].max() == 0 and w.max() > 0
    flat = SOURCES["rp3beta"].fit(Fitting(_prepared(inter, products, rp3_beta=0.0)[0], cut)).arrays["w"].toarray()
    pop = np.asarray(Fitting(prep, cut).binary().sum(axis=0)).ravel()
    j = int(np.argmax(pop))
    assert np.allclose(w[:, j], flat[:, j] / pop[j] ** 0.5, atol=1e-6)


@pytest.mark.train
def test_ease_and_rp3beta_are_baselines_on_the_holdout():
    inter, _ = _shop()
    cut = float(inter.ts.max()) - 20 * DAY
    train_part = inter.subset(inter.ts < cut)
    users = sorted(set(train_part.users.tolist()))[:6]
    lists = all_baselines(train_part, {u: {"a0"} for u in users}, {}, cut, k=5, names=["ease", "rp3beta"])
    for name in ("ease", "rp3beta"):
        assert set(lists[name]) == set(users)
        for u in users:  # each user's list stays in their own group (even users buy "a" items)
            assert lists[name][u] and {i[0] for i in lists[name][u]} == {"a" if u % 2 == 0 else "b"}


@pytest.mark.parametrize("name", ["item_knn", "co_purchase", "ease", "rp3beta", "als"])
def test_a_whole_list_is_explained_in_one_step_as_item_by_item(name):
    """because_many (one gather per list, what precompute uses) names the same item as asking item by item."""
    inter, products = _shop()
    prep, _iv = _prepared(inter, products)
    cut = float(inter.ts.max()) + 1
    source = prep.source(name, cut)
    state = prep.state(cut, ())
    dense = None if name in ("ease", "als") else source.w.toarray()
    checked = 0
    for user in range(0, 40, 3):
        mine, weights = state.profile[user].indices, state.profile[user].data
        picks = np.argsort(-source.scores(np.array([user]))[0])[:10]
        many = source.because_many(mine, weights, picks)
        for pick, found in zip(picks.tolist(), many.tolist(), strict=True):
            one = source.because_many(mine, weights, [pick])[0]
            assert found == one
            if dense is not None:  # the item-item sources: the user's item with the strongest weighted link
                links = weights * dense[mine, pick]
                assert found == (int(np.argmax(links)) if links.max() > 0 else -1)
            if found >= 0:
                checked += 1
                assert mine[found] != pick or name == "als"
    assert checked > 20

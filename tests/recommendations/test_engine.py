"""The recommendation engine's pure-Python ML core (ai_commerce.recommendations.engine): no Django, tiny TFRS runs."""

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ai_commerce.recommendations.engine import Interactions, NotEnoughData, Rec, Recommender, default_params, train
from ai_commerce.recommendations.engine.baselines import all_baselines, item_knn_lists, popularity_lists
from ai_commerce.recommendations.engine.data import DAY, choose_holdout, holdout_split, holdout_truth
from ai_commerce.recommendations.engine.evaluate import evaluate_lists, ndcg_at, recall_at
from ai_commerce.recommendations.engine.model import REASONS

ROOT = Path(__file__).resolve().parents[2]
T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp()


def _shop(seed=0, n_users=40, days=150):
    """Two groups of users with their own items (categories "a" and "b"), orders that bundle items, and a few views."""
    rng = np.random.default_rng(seed)
    items = {f"a{n}": "a" for n in range(12)} | {f"b{n}": "b" for n in range(12)}
    products = {i: {"title": f"{'red mug' if c == 'a' else 'blue lamp'} {i}", "description": f"nice {c} thing",
                    "category": c, "price": 5.0 + n} for n, (i, c) in enumerate(items.items())}
    rows = []
    for u in range(n_users):
        group = "a" if u % 2 == 0 else "b"
        own = [i for i, c in items.items() if c == group]
        for o in range(int(rng.integers(3, 7))):
            t = T0 + float(rng.uniform(0, days)) * DAY
            basket = rng.choice(own, size=int(rng.integers(1, 4)), replace=False)
            for i in basket:
                rows.append((u, str(i), t, "purchase", int(rng.integers(1, 4)), f"o{u}-{o}"))
            rows.append((u, str(rng.choice(own)), t - 3600, "view", 1, ""))
    return Interactions.from_rows(rows), products


# holdout_decide_users 1: these tests judge on the newest window alone, as the engine does on a shop with enough
# users there; the per-user split that a small shop adds is tested in test_pipeline.py
TINY = {"tt_epochs": 1, "tt_batch": 64, "tt_dim": 8, "tt_text_buckets": 64, "ranker_iterations": 20,
        "min_events": 10, "knn_neighbours": 20, "candidates_per_source": 10, "holdout_decide_users": 1}
#: A tiny shop's training with the sources and ranker the selection tests choose among.
SELECTING = {**TINY, "sources": ["item_knn", "ease", "rp3beta", "trending"], "ranker": "hgb", "select_rounds": 1,
             "select_rankers": ["hgb"], "select_label_windows": 1, "holdout_days": 20, "label_days": 20}


@pytest.fixture(scope="module")
def shop():
    return _shop()


@pytest.fixture(scope="module")
def fitted(shop):
    inter, products = shop
    progress = []
    rec = train(inter, products, TINY, on_progress=lambda pct, msg: progress.append((pct, msg)))
    return rec, progress


def test_from_rows_accepts_datetimes_floats_and_missing_values():
    when = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
    inter = Interactions.from_rows([
        (1, 10, when, "purchase", 2, "A1"),
        (2, 11, when.timestamp() + 60, "view", None, None),
        (1, 11, dt.datetime(2024, 5, 2), "cart", 1, ""),  # naive datetimes are UTC
    ])
    assert len(inter) == 3
    assert inter.users.dtype == np.int64 and inter.items.dtype == np.int64
    assert inter.ts.tolist() == [when.timestamp(), when.timestamp() + 60, when.timestamp() + 86400 - 12 * 3600]
    assert inter.kinds.tolist() == ["purchase", "view", "cart"]
    assert inter.quantities.tolist() == [2, 1, 1]
    assert inter.orders.tolist() == ["A1", "", ""]
    mixed = Interactions.from_rows([("u1", "sku-1", 0.0, "purchase", 1, "o")])
    assert mixed.users.dtype == object and mixed.items[0] == "sku-1"
    with pytest.raises(ValueError, match="unknown interaction kinds"):
        Interactions.from_rows([(1, 1, 0.0, "click", 1, "")])


def test_holdout_picks_users_with_history_and_new_train_known_items():
    d = DAY
    rows = [
        ("alice", "x", 0 * d, "purchase", 1, "1"), ("alice", "y", 1 * d, "view", 1, ""),
        ("bob", "x", 2 * d, "purchase", 1, "2"), ("bob", "z", 3 * d, "purchase", 1, "3"),
        ("carol", "z", 4 * d, "purchase", 1, "4"),
        # test window: the last 10 days before day 40
        ("alice", "x", 35 * d, "purchase", 1, "5"),   # already bought in train: not truth
        ("alice", "y", 35 * d, "purchase", 1, "5"),   # viewed, never bought in train: truth
        ("alice", "new", 36 * d, "purchase", 1, "6"),  # not train-known: not truth
        ("bob", "x", 38 * d, "purchase", 1, "7"),     # only repeats: bob is not evaluated
        ("dave", "x", 39 * d, "purchase", 1, "8"),    # no train history: not evaluated
        ("carol", "x", 39 * d, "view", 1, ""),        # a view is not a purchase
        ("carol", "y", 40 * d, "purchase", 1, "9"),
    ]
    inter = Interactions.from_rows(rows)
    train_part, test_part, cut = holdout_split(inter, 10)
    assert cut == 30 * d
    truth, bought = holdout_truth(train_part, test_part)
    assert truth == {"alice": {"y"}, "carol": {"y"}}
    assert bought["alice"] == {"x"} and bought["bob"] == {"x", "z"}


def quiet_shop(recent_buyers):
    """30 shoppers with a purchase each on days 0-9; the newest 30 days hold ``recent_buyers`` of them buying a
    new item on day 395, and the rest buy new items on days 300-330 (a quiet month before the newest event)."""
    d = DAY
    rows = [(u, f"i{u % 5}", (u % 10) * d, "purchase", 1, f"a{u}") for u in range(30)]
    rows += [(u, f"i{(u + 1) % 5}", (300 + u) * d, "purchase", 1, f"b{u}") for u in range(recent_buyers, 30)]
    rows += [(u, f"i{(u + 2) % 5}", 395 * d, "purchase", 1, f"c{u}") for u in range(recent_buyers)]
    return Interactions.from_rows(rows)


def test_the_holdout_ends_at_the_newest_event_and_widens_until_it_can_judge():
    shop = quiet_shop(recent_buyers=12)
    holdout = choose_holdout(shop, 30, min_users=10)
    assert holdout.end == 395 * DAY and holdout.days == 30 and len(holdout.truth) == 12  # wide enough as it is
    thin = quiet_shop(recent_buyers=3)
    widened = choose_holdout(thin, 30, min_users=10)
    assert widened.days == 120 and len(widened.truth) >= 10  # 30 -> 60 -> 120 days back from day 395
    described = widened.describe()
    assert described["evaluated_users"] == len(widened.truth) and described["holdout_days"] == 120
    assert described["holdout_end"] == 395 * DAY and described["evaluated_products"] >= 1
    with pytest.raises(NotEnoughData, match="evaluable users in the held-out newest") as err:
        choose_holdout(thin, 30, min_users=10, max_share=0.15)  # at most the newest 15% of events (9 of 57)
    assert err.value.have < 10 and err.value.need == 10


def test_metrics_follow_the_protocol():
    assert recall_at(["a", "b", "c"], {"b", "z"}, k=10) == 0.5
    assert recall_at(["q"] * 10 + ["a"], {"a"}, k=10) == 0.0
    many = {f"t{n}" for n in range(20)}
    assert recall_at([f"t{n}" for n in range(10)], many, k=10) == 1.0  # hits / min(|truth|, 10)
    assert ndcg_at(["a"], {"a"}) == 1.0
    assert ndcg_at(["x", "a"], {"a"}) == pytest.approx(1 / np.log2(3))
    res = evaluate_lists({"u": ["a"], "v": ["x"]}, {"u": {"a"}, "v": {"a"}, "w": {"a"}})
    assert res["n_users"] == 3 and res["recall_at_10"] == pytest.approx(1 / 3, abs=1e-4)


@pytest.mark.train
def test_baselines_exclude_purchases_and_use_their_windows():
    d = DAY
    rows = [(u, "old", 1 * d, "purchase", 1, f"o{u}") for u in range(5)]
    rows += [(u, "fresh", 95 * d, "purchase", 1, f"p{u}") for u in range(3)]
    rows += [(0, "mid", 50 * d, "purchase", 1, "q0"), (1, "mid", 50 * d, "purchase", 1, "q1")]
    rows += [(9, "old", 96 * d, "purchase", 1, "r9"), (9, "x", 96 * d, "purchase", 1, "r9")]
    inter = Interactions.from_rows(rows)
    bought = {0: {"old", "fresh", "mid"}, 9: {"old", "x"}}
    pop = popularity_lists(inter, [9], bought, 3)
    assert pop[9] == ["fresh", "mid"]
    recent = popularity_lists(inter, [9], bought, 3, since=90 * d)
    assert recent[9] == ["fresh"]
    knn = item_knn_lists(inter, [9], bought, 3)
    assert knn[9][0] == "fresh" and "old" not in knn[9]
    lists = all_baselines(inter, {9: {"fresh"}}, bought, 100 * d, k=10)
    assert set(lists) == {"popularity", "recent_popularity", "item_knn", "als", "ease", "rp3beta"}
    assert lists["als"][9] and not set(lists["als"][9]) & bought[9]


def test_not_enough_data():
    inter = Interactions.from_rows([(1, 1, 0.0, "purchase", 1, "o"), (2, 2, 1.0, "purchase", 1, "p")])
    with pytest.raises(NotEnoughData) as err:
        train(inter, {})
    assert err.value.what == "events" and err.value.have == 2
    rows = [(1, i % 5, float(i), "purchase", 1, str(i)) for i in range(30)]
    with pytest.raises(NotEnoughData) as err:
        train(Interactions.from_rows(rows), {})
    assert err.value.what == "users"


@pytest.mark.train
def test_train_evaluates_model_and_baselines_on_the_holdout(fitted):
    rec, progress = fitted
    m = rec.metrics
    json.dumps(m)
    json.dumps(rec.params)
    assert m["evaluated_users"] > 0
    assert 0.0 <= m["recall_at_10"] <= 1.0 and 0.0 <= m["ndcg_at_10"] <= 1.0
    assert set(m["baselines"]) == {"popularity", "recent_popularity", "item_knn", "als", "ease", "rp3beta"}
    # the shop is never served something worse than the best baseline on the figures the gate read
    assert m["recall_at_10"] >= max(b["recall_at_10"] for b in m["baselines"].values())
    # the sources and the ranker were chosen on a validation window before the held-out one, among the defaults
    chosen = m["selection"]
    assert (m["ranker"], m["sources"]) == (chosen["ranker"], chosen["sources"]) and m["ranker"] in ("hgb", "tfrs")
    assert set(m["sources"]) <= set(default_params()["sources"]) and len(chosen["trials"]) >= 2
    assert progress[-1][0] == 100 and all(0 <= p <= 100 for p, _ in progress)
    assert [p for p, _ in progress] == sorted(p for p, _ in progress)


@pytest.mark.train
def test_recommend_excludes_purchases_and_explains_itself(shop, fitted):
    inter, products = shop
    rec, _ = fitted
    users = rec.users()
    assert set(users) == set(inter.users.tolist())
    out = rec.recommend([*users[:10], "nobody"], k=5)
    assert "nobody" not in out and set(out) == set(users[:10])
    bought = {}
    touched = {}
    for u, i, k in zip(inter.users.tolist(), inter.items.tolist(), inter.kinds.tolist(), strict=True):
        (bought if k == "purchase" else touched).setdefault(u, set()).add(i)
    for u, recs in out.items():
        assert 0 < len(recs) <= 5
        assert len({r.item for r in recs}) == len(recs)
        assert not {r.item for r in recs} & bought[u]
        assert [r.score for r in recs] == sorted((r.score for r in recs), reverse=True)
        for r in recs:
            assert isinstance(r, Rec) and r.reason in REASONS and r.item in products
            if r.reason == "bought_with":
                assert r.because in bought[u]
            if r.reason == "viewed":
                assert r.because in touched[u] and r.because not in bought[u]
            if r.reason == "trending":
                assert r.category == products[r.item]["category"]


@pytest.mark.train
def test_item_lists(shop, fitted):
    _inter, products = shop
    rec, _ = fitted
    similar = rec.similar(k=3)
    assert set(similar) <= set(products) and similar
    for item, recs in similar.items():
        assert all(r.reason == "similar" and r.because == item and r.item != item for r in recs)
    together = rec.bought_together(k=3)
    for item, recs in together.items():
        assert all(r.reason == "bought_together" and r.because == item for r in recs)
        # in this shop groups never share an order
        assert all(products[r.item]["category"] == products[item]["category"] for r in recs)
    trending = rec.trending(k=4)
    assert set(trending) == {None, "a", "b"}
    assert all(r.reason == "trending" and r.category == "b" for r in trending["b"])
    assert all(products[r.item]["category"] == "b" for r in trending["b"])


@pytest.mark.train
def test_cold_items_get_content_neighbours(shop, fitted):
    inter, products = shop
    cold = dict(products)
    cold["a-new"] = {"title": "red mug a-new", "description": "nice a thing", "category": "a", "price": 9.0}
    rec = train(inter, cold, {**TINY, "sources": ["item_knn", "co_purchase", "recent_popularity"]})
    assert "a-new" not in rec.items()
    sims = rec.similar(k=3)["a-new"]
    assert sims and all(products[r.item]["category"] == "a" for r in sims)


@pytest.mark.train
def test_save_load_round_trip_gives_identical_outputs(fitted, tmp_path):
    rec, _ = fitted
    files = rec.save(tmp_path / "v1")
    assert all(Path(f).exists() for f in files)
    assert any(f.endswith("two_tower_weights.npz") for f in files)
    again = Recommender.load(tmp_path / "v1")
    users = rec.users()
    assert again.users() == users
    assert again.recommend(users, k=8) == rec.recommend(users, k=8)
    assert again.similar(k=4) == rec.similar(k=4)
    assert again.bought_together(k=4) == rec.bought_together(k=4)
    assert again.trending(k=4) == rec.trending(k=4)
    assert again.metrics == json.loads(json.dumps(rec.metrics)) and again.params == rec.params


@pytest.mark.train
@pytest.mark.parametrize("ranker", ["none", "tfrs"])
def test_other_rankers_and_save_load(shop, ranker, tmp_path):
    inter, products = shop
    params = {**TINY, "ranker": ranker, "ranker_epochs": 1, "tt_logq": 1.0, "select": False}
    if ranker == "none":
        params["sources"] = ["item_knn", "co_purchase", "recent_popularity", "trending"]
    rec = train(inter, products, params)
    assert rec.metrics["ranker"] == ranker
    rec.save(tmp_path)
    users = rec.users()
    assert Recommender.load(tmp_path).recommend(users, k=5) == rec.recommend(users, k=5)


def test_default_params_are_a_fresh_copy():
    p = default_params()
    p["kind_weights"]["view"] = 99
    assert default_params()["kind_weights"]["view"] != 99
    assert default_params()["holdout_days"] == 30


def test_importing_the_engine_does_not_import_tensorflow():
    code = ("import ai_commerce.recommendations.engine, ai_commerce.recommendations.engine.model, "
            "ai_commerce.recommendations.engine.features, ai_commerce.recommendations.engine.baselines, "
            "ai_commerce.recommendations.engine.ranker, ai_commerce.recommendations.engine.twotower, sys; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'tensorflow_recommenders', "
            "'tf_keras', 'django')]; assert not bad, bad")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def _rated_shop():
    """A shop that logs ratings and no orders: two tastes, each shopper rating items of theirs high and a few low."""
    rng = np.random.default_rng(3)
    rows = []
    for u in range(40):
        own = [f"{'a' if u % 2 else 'b'}{n}" for n in range(10)]
        for n, item in enumerate(rng.choice(own, size=6, replace=False)):
            stars = 2 if n == 5 else int(rng.integers(4, 6))
            rows.append((u, str(item), T0 + float(rng.uniform(0, 150)) * DAY, "rating", 1, "", stars))
    products = {f"{c}{n}": {"title": f"{c} thing {n}", "description": "", "category": c, "price": 3.0}
                for c in "ab" for n in range(10)}
    return Interactions.from_rows(rows), products


@pytest.mark.train
def test_ratings_count_as_purchases_only_when_the_shop_says_so_and_only_at_enough_stars():
    inter, products = _rated_shop()
    with pytest.raises(NotEnoughData) as err:
        train(inter, products, TINY)  # by default only purchases count: nothing to learn or judge from
    assert any("no event counts as a purchase" in w and "positive_kinds" in w for w in err.value.warnings)
    positive = inter.with_positives(["rating"], rating_at=4).positive
    assert positive.tolist() == (inter.values >= 4).tolist() and 0 < positive.sum() < len(inter)
    rec = train(inter, products, {**TINY, "positive_kinds": ["rating"]})
    m = rec.metrics
    assert m["evaluated_users"] > 0
    assert m["warnings"] == ["no purchase has an order reference: co-purchase (bought together) has no data"]
    assert m["baselines"]["popularity"]["recall_at_10"] > 0 and m["recall_at_10"] > 0
    low = {(int(u), str(i)) for u, i, v in zip(inter.users, inter.items, inter.values, strict=True) if v < 4}
    recs = rec.recommend(sorted({u for u, _ in low}), 10)
    # a low rating is not a purchase: the item may come back; a high one never does
    high = {(int(u), str(i)) for u, i, v in zip(inter.users, inter.items, inter.values, strict=True) if v >= 4}
    assert not any((u, r.item) in high for u, items in recs.items() for r in items)


def test_a_source_that_proposes_nothing_gives_empty_features_not_an_error(shop):
    from ai_commerce.recommendations.engine.features import feature_matrix
    from ai_commerce.recommendations.engine.model import Prepared, make_vocabs

    inter, products = shop
    params = {**default_params(), **TINY}
    uv, iv, meta = make_vocabs(inter, products, params)
    state = Prepared(inter, meta, uv, iv, params).state(float(inter.ts.max()), ())
    empty = np.zeros(0, dtype=np.int64)
    feats = feature_matrix(state, np.arange(3), empty, empty, {})
    assert feats and all(len(v) == 0 for v in feats.values())


@pytest.mark.train
def test_similar_items_share_the_category_far_above_chance_and_cold_items_get_content_neighbours(shop):
    from ai_commerce.recommendations.engine.model import Prepared, make_vocabs
    from ai_commerce.recommendations.engine.similar import category_agreement, similar_items

    inter, products = shop
    products = {**products, "a-new": {"title": "red mug new", "description": "nice a thing", "category": "a"}}
    params = {**default_params(), **TINY}
    uv, iv, meta = make_vocabs(inter, products, params)
    state = Prepared(inter.with_positives(), meta, uv, iv, params).state(float(inter.ts.max()) + 1, ())
    lists = similar_items(state, meta, k=5)
    assert lists == similar_items(state, meta, k=5)  # deterministic
    for i, recs in lists.items():
        assert len(recs) <= 5 and i not in {j for j, _ in recs} and all(state.known_items[j] for j, _ in recs)
    share = category_agreement(lists, meta.category)
    assert share["agreement"] >= 0.9 and share["chance"] < 0.55 and share["pairs"] > 100
    cold = iv.index["a-new"]
    assert not state.known_items[cold] and {meta.category[j] for j, _ in lists[cold]} == {meta.category[cold]}
    # Recommender.similar serves exactly these lists, by id (from a state without two-tower item embeddings, as
    # above: whether the learned system or a baseline serves, the two-tower model is not fitted)
    no_embeddings = [name for name in default_params()["sources"] if name != "two_tower"]
    rec = train(inter, products, {**TINY, "select": False, "sources": no_embeddings})
    table = rec.similar(5)
    assert table["a-new"] and all(r.category is None for r in table["a-new"])
    assert all(r.reason == "similar" and r.because == item for item, recs in table.items() for r in recs)
    assert [r.item for r in table["a-new"]] == [iv.ids[j] for j, _ in lists[cold]]


@pytest.mark.train
def test_the_same_events_and_seed_give_the_same_metrics_and_lists(shop, fitted):
    inter, products = shop
    first, _ = fitted
    again = train(inter, products, TINY)
    timing = {"eval_seconds", "train_seconds"}
    assert {k: v for k, v in again.metrics.items() if k not in timing} == {
        k: v for k, v in first.metrics.items() if k not in timing}
    users = first.users()[:10]
    assert again.recommend(users, 10) == first.recommend(users, 10) and again.similar(5) == first.similar(5)


def _bestseller_shop():
    """Shoppers with no taste of their own: every order draws from one shop-wide popularity curve."""
    rng = np.random.default_rng(11)
    items = [f"i{n}" for n in range(60)]
    weights = np.array([1 / (rank + 1) ** 1.1 for rank in range(60)])
    rows = []
    for u in range(40):
        for o in range(int(rng.integers(3, 7))):
            t = T0 + float(rng.uniform(0, 90)) * DAY
            for item in set(rng.choice(items, size=int(rng.integers(1, 4)), p=weights / weights.sum()).tolist()):
                rows.append((u, item, t, "purchase", 1, f"o{u}-{o}"))
    products = {i: {"title": f"thing {i}", "description": "", "category": None, "price": 2.0} for i in items}
    return Interactions.from_rows(rows), products


@pytest.mark.train
def test_a_served_baseline_round_trips_through_its_artifacts_with_its_reasons(tmp_path):
    inter, products = _bestseller_shop()
    # a learned system held to one weak source, so that a baseline wins (when that happens is tested in
    # test_training.py on a natural shop; this test is about what a served baseline stores and loads)
    weak = {"sources": ["trending"], "ranker": "none", "select": False, "holdout_days": 14, "label_days": 14}
    rec = train(inter, products, {**TINY, **weak})
    served_alone = {"popularity", "recent_popularity", "item_knn", "als", "ease", "rp3beta"}
    assert rec.served in served_alone, rec.metrics["served_reason"]
    assert rec.metrics["recall_at_10"] == rec.metrics["baselines"][rec.served]["recall_at_10"]
    assert rec.metrics["learned"]["recall_at_10"] < rec.metrics["recall_at_10"]
    rec.save(tmp_path / "v")
    loaded = Recommender.load(tmp_path / "v")
    users = rec.users()
    assert loaded.served == rec.served and loaded.recommend(users, 10) == rec.recommend(users, 10)
    lists = rec.recommend(users, 10)
    assert all(r.reason in REASONS for recs in lists.values() for r in recs) and any(lists.values())


def test_sampled_pairs_are_judged_on_the_sampled_users_only(shop):
    """With more labelled users than max_users, the truth kept is that of the users sampled: a validation recall
    over the others, who have no pairs, would read as a fraction of the real one."""
    from ai_commerce.recommendations.engine.model import Prepared, make_vocabs

    inter, products = shop
    params = {**default_params(), **TINY}
    uv, iv, meta = make_vocabs(inter, products, params)
    prep = Prepared(inter.with_positives(), meta, uv, iv, params)
    end = float(inter.ts.max()) + 1
    everyone = prep.labelled(end - 60 * DAY, end, ["item_knn"], 1000)
    sampled = prep.labelled(end - 60 * DAY, end, ["item_knn"], 5)
    assert len(everyone.truth) > 5 and len(sampled.truth) == 5
    assert set(sampled.truth) == {uv.ids[u] for u in set(sampled.users.tolist())} <= set(everyone.truth)

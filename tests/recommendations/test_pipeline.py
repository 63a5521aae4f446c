"""The engine's pipeline as parts of one job each: Params (defaults and validation) and the one gate, which reads
one metric (the capability's declared key metric) for learned-vs-baseline and new-vs-active alike."""

from pathlib import Path

import pytest

from ai_commerce.recommendations.apps import KEY_METRIC, RecommendationsConfig
from ai_commerce.recommendations.engine import default_params, gate, train
from ai_commerce.recommendations.engine.params import Params, validated
from ai_commerce.recommendations.publish import METRIC
from tests.recommendations.test_engine import TINY, _shop

ENGINE = Path(__file__).resolve().parents[2] / "ai_commerce" / "recommendations" / "engine"


def test_params_are_a_dataclass_of_the_defaults_that_names_what_is_wrong():
    assert validated() == default_params() and Params().holdout_days == 30
    assert Params.of({"ease_lambda": 50}).ease_lambda == 50 and validated({"ease_lambda": 50})["ease_lambda"] == 50
    for bad, message in [
        ({"holdout_dayz": 3}, "did you mean holdout_days"),
        ({"holdout_days": 0}, r"holdout_days'\] = 0 must be more than 0"),
        ({"select": 1}, "must be a bool"),
        ({"sources": "item_knn"}, "must be a list"),
        ({"ease_lambda": "high"}, "must be a number"),
        ({"holdout_max_share": 1.5}, r"share in \(0, 1\]"),
        ({"metric": "mrr"}, "recall_at_10, ndcg_at_10"),
        ({"baselines": ["nope"]}, r"unknown source\(s\) 'nope'"),
        ({"baselines": []}, "at least one baseline"),
    ]:
        with pytest.raises(ValueError, match=message):
            validated(bad)


def test_the_gate_prefers_the_learned_system_on_a_tie_and_popularity_among_tied_baselines():
    assert gate.choose(0.3, {"item_knn": 0.3, "popularity": 0.1}) == ("learned", "item_knn")
    assert gate.choose(0.29, {"item_knn": 0.3, "ease": 0.3, "popularity": 0.3}) == ("popularity", "popularity")
    assert gate.losses_to(0.29, {"active": 0.3}, tolerance=0.02) == []
    assert gate.losses_to(0.27, {"active": 0.3, "unknown": None}, tolerance=0.02) == [("active", 0.3)]
    assert gate.metric_label("ndcg_at_10") == "NDCG@10"


def test_one_metric_name_for_both_decisions_read_from_the_capabilitys_key_metrics():
    assert METRIC == KEY_METRIC == RecommendationsConfig.key_metrics[0] == default_params()["metric"]
    # the engine names its metric in one place, the defaults; every decision reads params["metric"]
    literal = [path.name for path in ENGINE.glob("*.py") if '"recall_at_10"' in path.read_text()]
    assert literal == ["params.py"], literal


@pytest.mark.train
def test_the_gate_decides_on_the_metric_it_is_given():
    inter, products = _shop(seed=5)
    params = {**TINY, "select": False, "sources": ["trending"], "ranker": "none", "metric": "ndcg_at_10"}
    rec = train(inter, products, params)
    m = rec.metrics
    scores = {name: values["ndcg_at_10"] for name, values in m["baselines"].items()}
    assert (m["served"], rec.served) == (gate.choose(m["learned"]["ndcg_at_10"], scores)[0],) * 2
    assert "NDCG@10" in m["served_reason"] and "Recall@10" not in m["served_reason"]


def test_the_per_user_split_holds_out_each_users_newest_purchases():
    from ai_commerce.recommendations.engine import Interactions
    from ai_commerce.recommendations.engine.taste import per_user_holdout

    d = 86400.0
    rows = [("ann", item, n * d, "purchase", 1, f"a{n}") for n, item in enumerate(["x", "y", "z", "w", "v"])]
    rows += [("ann", "v", 5 * d, "view", 1, "")]  # after her first held-out purchase: held out with it
    rows += [("bob", item, n * d, "purchase", 1, f"b{n}") for n, item in enumerate(["x", "y", "w"])]
    rows += [("cat", "x", 1 * d, "purchase", 1, "c1")]  # one item: nothing to judge her on
    rows += [("eve", "v", 1 * d, "view", 1, "")]  # so the shop knows v without ann
    rows += [("dan", "x", 1 * d, "purchase", 1, "d1"), ("dan", "only-dan", 2 * d, "purchase", 1, "d2")]
    inter = Interactions.from_rows(rows).with_positives()
    split = per_user_holdout(inter, 0.2, float(inter.ts.max()))
    # ann: 5 items, round(0.2 * 5) = 1 held out (the newest, v); bob: round(0.6) = 1 (w); dan's newest item is known
    # to nobody else once held out, so he is not judged; cat has one item
    assert split.truth == {"ann": {"v"}, "bob": {"w"}}
    assert split.bought["ann"] == {"x", "y", "z", "w"} and "cat" in split.bought
    held = {(u, i, k) for u, i, k in zip(split.test.users, split.test.items, split.test.kinds, strict=True)}
    assert held == {("ann", "v", "purchase"), ("ann", "v", "view"), ("bob", "w", "purchase"),
                    ("dan", "only-dan", "purchase")}
    assert split.cut > float(inter.ts.max()) and split.describe()["split"] == "per_user"


def test_the_gate_on_two_splits_averages_over_users_and_keeps_a_clear_loss_out():
    # 20 users in the newest window, 180 in the per-user split: the average is weighted by users
    served, best, combined = gate.choose_on_splits([(20, 0.50, {"knn": 0.40}), (180, 0.30, {"knn": 0.31})])
    assert combined["learned"] == pytest.approx((20 * 0.5 + 180 * 0.3) / 200) and best == "knn"
    assert served == "knn"  # 0.32 vs 0.319: learned wins on average, but loses on 180 users by more than 1/180
    served, _, _ = gate.choose_on_splits([(20, 0.50, {"knn": 0.40}), (180, 0.305, {"knn": 0.31})])
    assert served == "learned"  # its loss on the per-user split is within one user's worth (0.0056): noise
    served, _, _ = gate.choose_on_splits([(20, 0.36, {"knn": 0.40}), (180, 0.40, {"knn": 0.36})])
    assert served == "learned"  # 0.396 vs 0.364, and its loss on 20 users (0.04) is within their noise (0.05)
    assert gate.choose_on_splits([(20, 0.30, {"knn": 0.40}), (180, 0.40, {"knn": 0.39})])[0] == "knn"


@pytest.mark.train
def test_with_few_users_in_the_newest_window_the_gate_judges_taste_too():
    inter, products = _shop()
    rec = train(inter, products, {**TINY, "holdout_decide_users": 200})
    m = rec.metrics
    newest, per_user = m["newest"], m["per_user"]
    assert m["decided_on"] == "newest window + per-user split" and per_user["evaluated_users"] >= 10
    n_t, n_u = m["evaluated_users"], per_user["evaluated_users"]
    for name, scores in m["baselines"].items():
        expected = (n_t * newest["baselines"][name]["recall_at_10"] + n_u * per_user["baselines"][name]["recall_at_10"])
        assert scores["recall_at_10"] == pytest.approx(expected / (n_t + n_u), abs=1e-5)
    splits = [(n_t, newest["recall_at_10"], {b: v["recall_at_10"] for b, v in newest["baselines"].items()}),
              (n_u, per_user["recall_at_10"], {b: v["recall_at_10"] for b, v in per_user["baselines"].items()})]
    assert rec.served == gate.choose_on_splits(splits)[0]
    # what is stored is what the gate read, so promotion (new vs active) compares the same figures
    judged = m["learned"] if rec.served == "learned" else m["baselines"][rec.served]
    assert m["recall_at_10"] == judged["recall_at_10"]
    assert "newest purchases" in m["served_reason"]
    # on this shop of two clear tastes a neighbourhood model is the best on each user's newest purchases: either it
    # serves as a baseline, or the learned system is stacked on it (its anchor) and at least as good on both splits
    if rec.served == "learned":
        assert m["anchor"] in ("item_knn", "ease", "rp3beta") and m["anchor_weight"] == 1.0, m["served_reason"]
        assert all(score >= max(base.values()) - gate.noise(n) for n, score, base in splits)
    else:
        assert rec.served in ("item_knn", "ease", "rp3beta"), m["served_reason"]

"""The ranker's order blended with its best source's (.blend): weight 0 is the ranker alone, weight 1 the source
alone (its lists exactly), and the selection picks the anchor and the weight on validation, never ending below the
best source there."""

from types import SimpleNamespace

import numpy as np
import pytest

from ai_commerce.recommendations.engine.blend import blended, positions, rank_feature
from ai_commerce.recommendations.engine.params import validated
from ai_commerce.recommendations.engine.pipeline import evaluate_holdout
from tests.recommendations.test_engine import SELECTING, TINY, _shop


def test_positions_are_counted_within_each_user():
    rows = np.array([0, 0, 0, 1, 1])
    assert positions(rows, np.array([0.1, 0.9, 0.5, 2.0, 3.0])).tolist() == [2, 0, 1, 1, 0]
    assert positions(np.array([], dtype=np.int64), np.array([])).tolist() == []


def test_weight_zero_keeps_the_ranker_and_weight_one_the_anchors_order():
    rows = np.array([0, 0, 0, 0])
    learned = np.array([4.0, 3.0, 2.0, 1.0])  # the ranker: 0, 1, 2, 3
    feats = {"ease_rank": np.log1p(np.array([3.0, 2.0, 1.0, 0.0]))}  # EASE: 3, 2, 1, 0
    assert rank_feature("ease") == "ease_rank" and rank_feature("trending") is None
    assert np.array_equal(blended(rows, learned, feats, "ease", 0.0), learned)
    assert np.argsort(-blended(rows, learned, feats, "ease", 1.0)).tolist() == [3, 2, 1, 0]
    half = blended(rows, learned, feats, "ease", 0.5)
    assert np.allclose(half[0], half[3]) and half[0] > half[1]  # each one's first place counts the same
    assert np.array_equal(blended(rows, learned, feats, "", 1.0), learned)  # no anchor: the ranker alone


def test_the_anchor_is_a_known_source_and_the_weight_a_share():
    with pytest.raises(ValueError, match="'nope' is not a known source"):
        validated({"anchor": "nope"})
    with pytest.raises(ValueError, match=r"anchor_weight'\] = 1.5 must lie in \[0, 1\]"):
        validated({"anchor_weight": 1.5})


@pytest.mark.train
def test_at_weight_one_the_learned_system_lists_exactly_what_its_anchor_does():
    inter, products = _shop(seed=3)
    params = {
        **TINY,
        "select": False,
        "sources": ["item_knn", "ease", "trending"],
        "ranker": "hgb",
        "baselines": ["popularity", "ease"],
        "candidates_per_source": 24,
    }
    alone, _ = evaluate_holdout(inter, products, {**params, "anchor": "ease", "anchor_weight": 1.0})
    assert alone["recall_at_10"] == alone["baselines"]["ease"]["recall_at_10"]
    assert alone["ndcg_at_10"] == alone["baselines"]["ease"]["ndcg_at_10"]
    assert (alone["anchor"], alone["anchor_weight"]) == ("ease", 1.0)
    ranker, _ = evaluate_holdout(inter, products, params)
    assert ranker["anchor_weight"] == 0.0 and ranker["ndcg_at_10"] != alone["ndcg_at_10"]


@pytest.mark.train
def test_the_selection_blends_so_validation_is_never_below_the_best_source():
    inter, products = _shop(seed=4, n_users=60, days=200)
    params = SELECTING
    metrics, _ = evaluate_holdout(inter, products, params)
    blend = metrics["selection"]["blend"]
    assert set(blend["sources_alone"]) == set(metrics["sources"]) - {"trending"}  # trending ranks nothing
    assert blend["chosen"] >= max(blend["sources_alone"].values())
    assert blend["chosen"] >= max(blend["weights"].values()) - blend["noise"]
    assert metrics["anchor_weight"] in (0.0, *(float(w) for w in blend["weights"]))
    assert (metrics["anchor"] == "") == (metrics["anchor_weight"] == 0.0)
    # stacking: the anchor's own order (weight 1) unless the ranker's corrections beat it by more than the noise
    weight = metrics["anchor_weight"] if metrics["anchor"] else 0.0
    if weight < 1.0:
        assert blend["chosen"] > blend["weights"]["1"] + blend["noise"]
    else:
        assert max(blend["weights"].values()) <= blend["weights"]["1"] + blend["noise"]


def test_the_blend_keeps_the_anchor_alone_unless_the_ranker_beats_it_by_more_than_the_noise(monkeypatch):
    from ai_commerce.recommendations.engine import selection

    class Val:
        truth = {n: {1} for n in range(50)}  # 50 validation users: one user's worth is 0.02

    def run(by_weight, spread=None):
        def fake(*args):
            weight, each = args[8], args[9]
            if not each:
                return by_weight[weight]
            users = np.full(50, by_weight[weight])  # each user gains the same: no spread
            return spread if spread is not None and weight < 1 else users

        monkeypatch.setattr(selection, "validation_score", fake)
        prep = SimpleNamespace(uv=None, iv=None)
        return selection.choose_blend(None, Val(), ["ease", "rp3beta"], prep, 10, "recall_at_10", by_weight[0.0],
                                      {"ease": 0.40, "rp3beta": 0.38})

    small = {0.0: 0.41, 0.2: 0.415, 0.4: 0.41, 0.6: 0.41, 0.8: 0.41, 1.0: 0.40}
    assert run(small)[:2] == ("ease", 1.0)  # +0.015 is less than one user in fifty: the anchor alone
    clear = {**small, 0.4: 0.43}
    assert run(clear)[:2] == ("ease", 0.4)
    ranker = {**small, 0.0: 0.45}
    assert run(ranker)[:2] == ("", 0.0)  # the ranker alone, by more than the noise
    # the same +0.03, but from three users gaining a lot: within twice its standard error, so the anchor alone
    lucky = np.full(50, 0.40)
    lucky[:3] += 0.5
    anchor, weight, scores = run(clear, spread=lucky)
    assert (anchor, weight) == ("ease", 1.0) and scores["noise"] > 0.03

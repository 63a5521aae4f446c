"""The ranker's order blended with its best source's (.blend): weight 0 is the ranker alone, weight 1 the source
alone (its lists exactly), and the selection picks the anchor and the weight on validation, never ending below the
best source there."""

import numpy as np
import pytest

from ai_commerce.recommendations.engine.blend import blended, positions, rank_feature
from ai_commerce.recommendations.engine.params import validated
from ai_commerce.recommendations.engine.pipeline import evaluate_holdout
from tests.recommendations.test_engine import TINY, _shop


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
    params = {
        **TINY,
        "sources": ["item_knn", "ease", "rp3beta", "trending"],
        "ranker": "hgb",
        "select_rounds": 1,
        "select_rankers": ["hgb"],
        "select_label_windows": 1,
        "holdout_days": 20,
        "label_days": 20,
    }
    metrics, _ = evaluate_holdout(inter, products, params)
    blend = metrics["selection"]["blend"]
    assert set(blend["sources_alone"]) == set(metrics["sources"]) - {"trending"}  # trending ranks nothing
    assert blend["chosen"] >= max(blend["sources_alone"].values()) and blend["chosen"] >= blend["ranker_alone"]
    assert blend["chosen"] == max(blend["weights"].values())
    assert metrics["anchor_weight"] in (0.0, *(float(w) for w in blend["weights"]))
    assert (metrics["anchor"] == "") == (metrics["anchor_weight"] == 0.0)

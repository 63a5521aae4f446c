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

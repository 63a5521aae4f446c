"""The bench's random-split protocol (``bench/recommendations.py``) records the selection as the temporal protocol
does: the anchor, its weight and how the anchor was chosen, so a random-split figure can be explained from its JSON."""

import importlib.util
from pathlib import Path

import pytest

from tests.recommendations.test_engine import TINY, _shop

ROOT = Path(__file__).resolve().parents[2]


def bench():
    spec = importlib.util.spec_from_file_location("_bench_recommendations", ROOT / "bench" / "recommendations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.train
def test_the_random_split_records_the_anchor_its_weight_and_its_choice():
    inter, products = _shop(seed=4, n_users=200, days=90)
    params = {**TINY, "holdout_decide_users": 200, "sources": ["item_knn", "ease", "rp3beta", "trending"],
              "ranker": "hgb", "select_rounds": 1, "select_rankers": ["hgb"], "select_label_windows": 1,
              "holdout_days": 30, "label_days": 30}
    lines = []
    out = bench().bench_random_split("tiny", inter, products, params, lines.append)
    selection = out["selection"]
    assert selection is not None and "trials" in selection and "blend" in selection
    assert (out["anchor"], out["anchor_weight"]) == (selection["anchor"], selection["anchor_weight"])
    choice = selection["anchor_choice"]
    assert choice["anchor"] in {"item_knn", "ease", "rp3beta"} and choice["window_users"] > 0
    assert "anchor" in lines[-1]

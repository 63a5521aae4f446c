"""The anchor (the source the learned system stacks on, .selection.choose_anchor): the validation window's favourite
unless the leader on the window and the per-user split pooled beats it by more than the noise (one pooled user's
worth and one standard error of the paired per-user gain)."""

import numpy as np
import pytest

from ai_commerce.recommendations.engine.pipeline import evaluate_holdout
from ai_commerce.recommendations.engine.selection import choose_anchor
from tests.recommendations.test_engine import SELECTING, _shop


def _users(n, hits):
    """``n`` users' Recall@10, the first ``hits`` of them 1 and the rest 0."""
    out = np.zeros(n)
    out[:hits] = 1.0
    return out


def test_without_the_per_user_split_the_windows_favourite_anchors():
    window = {"item_knn": _users(80, 26), "ease": _users(80, 25), "rp3beta": _users(80, 24)}
    anchor, record = choose_anchor(window)
    assert anchor == "item_knn" and record["decided_on"] == "validation window" and record["window_users"] == 80
    assert choose_anchor({}) == (None, {})


def test_a_clear_lead_on_both_splits_pooled_moves_the_anchor():
    window = {"item_knn": _users(80, 26), "ease": _users(80, 25)}  # item-kNN leads the window by one user
    # on the per-user split EASE hits 40 more of 200 users, item-kNN none that EASE misses: a consistent gain
    per_user = {"item_knn": _users(200, 60), "ease": _users(200, 100)}
    anchor, record = choose_anchor(window, per_user)
    assert anchor == "ease" and record["decided_on"] == "window + per-user split"
    assert record["pooled"]["ease"] > record["pooled"]["item_knn"] + record["noise"]
    assert record["window"]["item_knn"] > record["window"]["ease"]  # the window alone would have kept item-kNN


def test_a_pooled_lead_within_the_noise_keeps_the_windows_favourite():
    window = {"rp3beta": _users(90, 40), "ease": _users(90, 38)}
    # the per-user split prefers EASE by four users in 220 (two more than the window's lead for RP3beta), but the
    # two lists hit different users: EASE 110 (the first), RP3beta 106 (from the 51st), 96 users disagree
    ease = _users(220, 110)
    rp3 = np.zeros(220)
    rp3[50:156] = 1.0
    anchor, record = choose_anchor(window, {"rp3beta": rp3, "ease": ease})
    assert record["pooled"]["ease"] > record["pooled"]["rp3beta"]  # EASE leads the pooled users ...
    assert 0 < record["gain"] <= record["noise"]  # ... by less than the noise
    assert anchor == "rp3beta"


def test_one_pooled_users_worth_is_the_floor_of_the_noise():
    window = {"rp3beta": np.full(100, 0.4), "ease": np.full(100, 0.4)}  # a tie: the first listed is the favourite

    def run(per_user_gain):  # every per-user-split user gains the same: the standard error is next to nothing
        per_user = {"rp3beta": np.full(200, 0.4), "ease": np.full(200, 0.4 + per_user_gain)}
        return choose_anchor(window, per_user)

    anchor, record = run(0.004)  # a pooled gain of 0.0027, under one user in 300 (0.0033)
    assert anchor == "rp3beta" and record["noise"] == pytest.approx(1 / 300, abs=1e-5)
    anchor, record = run(0.006)  # 0.004: over it
    assert anchor == "ease" and record["gain"] == pytest.approx(0.004, abs=1e-5)


def test_a_source_missing_on_the_per_user_split_leaves_the_window_to_decide():
    window = {"rp3beta": _users(50, 20), "ease": _users(50, 19)}
    anchor, record = choose_anchor(window, {"ease": _users(200, 150)})
    assert anchor == "rp3beta" and record["decided_on"] == "validation window"


@pytest.mark.train
def test_a_small_window_pools_the_per_user_split_and_the_anchor_is_kept_and_stacked_on():
    inter, products = _shop(seed=4, n_users=60, days=200)
    # the validation window holds far fewer than 200 users: the per-user split is pooled
    params = {**SELECTING, "holdout_decide_users": 200}
    metrics, _ = evaluate_holdout(inter, products, params)
    choice = metrics["selection"]["anchor_choice"]
    assert choice["decided_on"] == "window + per-user split"
    assert set(choice["window"]) == set(choice["per_user"]) == {"item_knn", "ease", "rp3beta"}
    assert choice["per_user_users"] > 0 and choice["noise"] >= 1 / (choice["window_users"] + choice["per_user_users"])
    favourite = max(choice["window"], key=choice["window"].get)
    leader = max(choice["pooled"], key=choice["pooled"].get)
    assert choice["anchor"] in (favourite, leader)
    if choice["anchor"] != favourite:
        assert choice["pooled"][leader] - choice["pooled"][favourite] > choice["noise"]
    # the anchor is never dropped by the selection and is what the blend stacks on
    assert choice["anchor"] in metrics["sources"]
    blend = metrics["selection"]["blend"]
    assert blend["anchor"] == choice["anchor"]
    assert blend["weights"]["1"] == blend["sources_alone"][choice["anchor"]]


def test_the_blend_stacks_on_the_anchor_it_is_given_not_the_windows_favourite(monkeypatch):
    from types import SimpleNamespace

    from ai_commerce.recommendations.engine import selection

    class Val:
        truth = {n: {1} for n in range(50)}

    by_weight = {0.0: 0.30, 0.2: 0.31, 0.4: 0.30, 0.6: 0.30, 0.8: 0.30}
    seen = []

    def fake(*args):
        anchor, weight, each = args[7], args[8], args[9]
        seen.append(anchor)
        value = by_weight.get(weight, 0.0)
        return np.full(50, value) if each else value

    monkeypatch.setattr(selection, "validation_score", fake)
    alone = {"item_knn": 0.312, "ease": 0.309}  # item-kNN leads the window; the pooled choice was EASE
    prep = SimpleNamespace(uv=None, iv=None)
    anchor, weight, scores = selection.choose_blend(None, Val(), ["item_knn", "ease"], prep, 10, "recall_at_10", 0.30,
                                                    alone, "ease")
    assert (anchor, weight) == ("ease", 1.0) and scores["anchor"] == "ease" and scores["chosen"] == 0.309
    assert set(seen) == {"ease"}  # every blend tried was with EASE
    assert selection.choose_blend(None, Val(), ["item_knn", "ease"], prep, 10, "recall_at_10", 0.30, alone)[0] == (
        "item_knn")  # without one: the window's favourite

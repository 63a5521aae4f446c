"""The buy-it-again engine (``engine.repurchase``), trained for real on small shops with known repeat behaviour: the
gate against P-TopFreq both ways, off without repeats, and the same features in the trainer and in serving."""

import datetime as dt

import numpy as np
import pytest

from ai_commerce.recommendations import repurchase_timing as timing
from ai_commerce.recommendations.engine import Interactions, repurchase
from tests.recommendations import repeat_shops

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def shop(kind, users=30):
    if kind == "due_again":
        rows = repeat_shops.due_again(list(range(users)), list(range(100, 140)), list(range(200, 210)),
                                      list(range(300, 306)), START)
    elif kind == "frequency_only":
        rows = repeat_shops.frequency_only(list(range(users)), list(range(100, 120)), START)
    else:
        rows = repeat_shops.one_offs(list(range(users)), list(range(100, 160)), START)
    return Interactions.from_rows(rows)


def test_the_learned_timing_serves_where_it_beats_p_topfreq():
    judged = repurchase.judge(shop("due_again"), window_days=14)
    assert judged.served == "learned", judged.reason
    assert judged.learned["recall_at_10"] > 0.9 and judged.baseline["recall_at_10"] < 0.1
    assert judged.window["evaluated_users"] == 30 and "beats" in judged.reason


def test_p_topfreq_serves_where_the_learned_timing_does_not_beat_it():
    judged = repurchase.judge(shop("frequency_only"), window_days=30)
    assert judged.served == "p_topfreq", judged.reason
    assert judged.learned["recall_at_10"] == judged.baseline["recall_at_10"] == 1.0  # all in the list of ten
    assert "does not beat" in judged.reason


def test_a_shop_without_repeat_purchases_is_off():
    judged = repurchase.judge(shop("one_offs"), window_days=30)
    assert judged.served == "off" and "bought the same product twice" in judged.reason


def test_cycles_are_the_median_interval_of_repeat_buyers_and_one_offs_score_low():
    histories = repurchase.Histories.of(shop("due_again").positives())
    cycles = repurchase.product_cycles(histories)
    cyclic = cycles.of(200)
    assert np.median(histories.gaps[200]) == 14 and cyclic.repeat_buyers == cyclic.buyers
    # shrunk towards the shop's median (the old products' shorter intervals) by PRIOR_WEIGHT shoppers
    expected = np.exp((cyclic.repeat_buyers * np.log(14) + repurchase.PRIOR_WEIGHT * np.log(cycles.shop.days))
                      / (cyclic.repeat_buyers + repurchase.PRIOR_WEIGHT))
    assert cycles.shop.days < cyclic.days < 14 and cyclic.days == pytest.approx(expected, abs=0.01)
    assert cycles.of(306).repeat_share < cycles.of(200).repeat_share  # never bought: half the shop's share


def test_serving_computes_the_same_features_as_the_trainer():
    purchases = shop("due_again").positives()
    now = float(purchases.ts.max()) + 1.0
    histories = repurchase.Histories.of(purchases, now)
    cycles = repurchase.product_cycles(histories)
    trained = repurchase.features(histories, cycles)
    user = 7
    mine = histories.users == user
    own, user_days = timing.shopper_history(
        zip(purchases.items[purchases.users == user].tolist(), purchases.ts[purchases.users == user].tolist(),
            strict=True), now)
    products = histories.items[mine].tolist()
    served = timing.feature_arrays(
        [own[p].times for p in products], [own[p].days_since for p in products],
        [own[p].own_interval for p in products], [cycles.of(p).days for p in products],
        [cycles.of(p).repeat_share for p in products], [user_days] * len(products),
        [own[p].recent_times for p in products], [cycles.of(p).recent_buyers for p in products])
    for name in timing.FEATURES:
        np.testing.assert_allclose(served[name], trained[name][mine], rtol=1e-9, err_msg=name)


def test_a_stored_model_scores_the_same_after_a_round_trip():
    model = repurchase.RepurchaseModel.fit(shop("due_again").positives(), 14)
    histories = repurchase.Histories.of(shop("due_again").positives())
    feats = repurchase.features(histories, repurchase.product_cycles(histories))
    again = repurchase.RepurchaseModel.from_dict(model.to_dict())
    np.testing.assert_allclose(again.score(feats), timing.learned_scores(model.to_dict(), feats))
    with pytest.raises(ValueError):
        timing.learned_scores({**model.to_dict(), "features": ["other"]}, feats)

"""The rating-text mismatch flag learns its cuts from the shop's model's probabilities and the staff's verdicts,
and judges 3-star reviews too."""

import pytest

from ai_commerce import registry
from ai_commerce.models import TrainingRun
from ai_commerce.sentiment.lexicon import Prediction
from ai_commerce.sentiment.mismatch import DEFAULT_CUTS, MismatchRule, best_cut, fit_rule, opposite
from ai_commerce.sentiment.models import ReviewSentiment
from ai_commerce.sentiment.moderation import flags_for
from tests.sentiment.test_sentiment import BAD, GOOD, shop_reviews  # noqa: F401  (fixture)

CONF = {"STRONG_NEGATIVE": -0.6, "MISMATCH": -0.3, "ABUSIVE_WORDS": []}


def prediction(negative, neutral, positive):
    label = max({"negative": negative, "neutral": neutral, "positive": positive}.items(), key=lambda kv: kv[1])[0]
    return Prediction(label=label, score=positive - negative, confidence=max(negative, neutral, positive),
                      probabilities={"negative": negative, "neutral": neutral, "positive": positive})


def test_the_opposite_probability_of_each_star_group():
    probabilities = {"negative": 0.7, "neutral": 0.2, "positive": 0.1}
    assert [round(opposite(probabilities, stars), 6) for stars in (5, 4, 3, 2, 1, None)] == [
        0.6, 0.6, 0.5, -0.6, -0.6, 0.0]


def test_without_verdicts_the_default_cuts_judge_three_star_reviews_that_the_fixed_rule_cannot():
    rule = fit_rule([{"negative": 0.6}], [5])
    assert rule.cuts == DEFAULT_CUTS and set(rule.learnt_from.values()) == {"default"}
    clearly_negative, mixed = prediction(0.98, 0.01, 0.01), prediction(0.4, 0.3, 0.3)
    assert "rating_mismatch" in flags_for(clearly_negative, 3, "text", False, CONF, rule)
    assert "rating_mismatch" not in flags_for(mixed, 3, "text", False, CONF, rule)
    # 3 stars: warm text is common ("Lovely dress, but the waistband snapped"), so only a near-certain label counts
    warm = prediction(0.01, 0.09, 0.90)
    assert "rating_mismatch" not in flags_for(warm, 3, "text", False, CONF, rule)
    assert "rating_mismatch" not in flags_for(clearly_negative, 3, "text", False, CONF)  # the fixed rule
    # 4-5 stars: the negative label 50 points more probable than the positive one; a mixed text is not enough
    assert "rating_mismatch" in flags_for(prediction(0.7, 0.15, 0.15), 5, "text", False, CONF, rule)
    assert "rating_mismatch" not in flags_for(prediction(0.6, 0.15, 0.25), 5, "text", False, CONF, rule)
    # 1-2 stars, the other way round, at 75 points ("Beautiful but boxy" reviews whose praise comes first are common)
    assert "rating_mismatch" in flags_for(prediction(0.05, 0.1, 0.85), 1, "text", False, CONF, rule)
    assert "rating_mismatch" not in flags_for(prediction(0.1, 0.2, 0.7), 1, "text", False, CONF, rule)
    assert "rating_mismatch" not in flags_for(prediction(0.05, 0.1, 0.85), 5, "text", False, CONF, rule)


def test_the_cut_is_the_lowest_with_the_target_precision():
    scores = [0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]
    confirmed = [True, True, True, True, True, True, False, False]
    assert best_cut(scores, confirmed, target=0.9) == 0.5
    assert best_cut(scores, [False] * 8, target=0.9) is None
    assert best_cut([0.9, 0.9, 0.8], [True, False, True], target=0.9) is None  # a tie is all in or all out


def test_verdicts_move_a_group_cut_only_with_enough_of_them():
    probabilities = [{"negative": 0.3 + i / 100, "positive": 0.0, "neutral": 0.0} for i in range(30)]
    verdicts = [i >= 10 for i in range(30)]  # staff confirmed the 20 with p(negative) >= 0.4
    rule = fit_rule(probabilities, [5] * 30, verdicts)
    # at 0.38, 22 are flagged and 20 confirmed (0.91); at 0.37, 20 of 23 (0.87)
    assert rule.cuts["high"] == pytest.approx(0.38) and rule.learnt_from["high"] == "verdicts"
    assert rule.learnt_from["low"] == "default"
    few = fit_rule(probabilities[:10], [5] * 10, verdicts[:10])
    assert few.cuts["high"] == DEFAULT_CUTS["high"]
    assert MismatchRule.from_dict(rule.to_dict()) == rule


@pytest.mark.django_db
def test_staff_verdicts_feed_the_next_training(settings, shop_reviews, admin_client):  # noqa: F811
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "SENTIMENT": {"MIN_REVIEWS": 50}}
    first = registry.execute_run(TrainingRun.objects.create(kind="sentiment").pk).model_version
    assert first.params["mismatch"]["learnt_from"] == {"low": "default", "middle": "default", "high": "default"}
    # staff judge 30 five-star reviews: those with a bad text are mismatches, the good ones are not
    rows = list(ReviewSentiment.objects.filter(rating=5)[:10]) + list(ReviewSentiment.objects.filter(rating=5)[10:30])
    for n, row in enumerate(rows):
        row.excerpt = BAD[n % len(BAD)] if n < 10 else GOOD[n % len(GOOD)]
        row.save(update_fields=["excerpt"])
    changelist = "/admin/ai_commerce_sentiment/reviewsentiment/"
    admin_client.post(changelist, {"action": "confirm_mismatch", "_selected_action": [r.pk for r in rows[:10]]})
    admin_client.post(changelist, {"action": "reject_mismatch", "_selected_action": [r.pk for r in rows[10:]]})
    assert ReviewSentiment.objects.filter(mismatch_verdict=True).count() == 10
    second = registry.execute_run(TrainingRun.objects.create(kind="sentiment").pk).model_version
    assert second.params["mismatch"]["learnt_from"]["high"] == "verdicts"
    assert second.params["mismatch"]["cuts"]["high"] != DEFAULT_CUTS["high"]

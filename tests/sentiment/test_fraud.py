"""Fraud signals: flags with reasons that never hide a review, measured on a generated shop with planted fraud
(``bench/review_trust.py``, small and with random-word texts here; the benchmark runs it with real texts)."""

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from django.core.management import call_command

from ai_commerce.sentiment import scoring
from ai_commerce.sentiment.checks import check_sentiment_settings
from ai_commerce.sentiment.conf import DEFAULTS
from ai_commerce.sentiment.fraud import fraud_flags
from ai_commerce.sentiment.models import ReviewSentiment
from ai_commerce.sentiment.published import is_published
from tests.factories import FeedbackFactory, ItemFactory, UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
T0 = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)


def bench():
    spec = importlib.util.spec_from_file_location("_bench_review_trust", ROOT / "bench" / "review_trust.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def row(key, product, user, rating, hours, text="", tier="verified_buyer"):
    return {"review_key": key, "product_id": product, "user_id": user, "rating": rating,
            "reviewed_at": T0 + dt.timedelta(hours=hours), "excerpt": text, "verification": tier}


def test_the_generated_shop_meets_the_targets_verification_exact_fraud_precise_and_nothing_hidden():
    module = bench()
    truth = module.write_shop(module.generate(seed=3, products=30, customers=150))
    call_command("ai_commerce_score_reviews", verbosity=0)
    result = module.judge(truth)
    assert result["verification_exact"] and 0 < result["verified_buyers"] < result["reviews"]
    assert result["fraud_flags"]["precision"] >= 0.9 and result["fraud_flags"]["recall"] >= 0.8
    assert result["auto_hidden_by_fraud_flags"] == 0
    for kind, caught in result["per_kind"].items():
        assert caught["caught_by_any_fraud_flag"] >= 0.8 * caught["planted"], kind


def test_each_signal_fires_with_its_reason_and_only_past_its_threshold():
    conf = DEFAULTS["FRAUD"]
    rows = [row(f"b{n}", 1, 100 + n, 5, n) for n in range(5)]  # 5 reviews of product 1 within 5 hours
    rows += [row(f"q{n}", 2, 200 + n, 5, 24 * 30 * n) for n in range(5)]  # one a month: no burst
    rows += [row(f"a{n}", 10 + n, 7, 4, n) for n in range(5)]  # account 7: 5 reviews in 5 hours
    rows += [row("nb", 3, 8, 2, 0, tier="signed_in")]  # never bought product 3, which 5 customers bought
    rows += [row("nb-small", 4, 9, 2, 0, tier="signed_in")]  # product 4 sells to 1: not flagged
    text = "the fabric is soft and the colour is lovely but the sleeves run a little long for me"
    rows += [row("d1", 5, 20, 4, 0, text), row("d2", 6, 21, 4, 9, text.replace("lovely", "great"))]
    flags = fraud_flags(rows, {3: 5, 4: 1}, conf)
    assert set(flags) == {*(f"b{n}" for n in range(5)), *(f"a{n}" for n in range(5)), "nb", "d2"}  # d1: original
    assert flags["b0"] == {"review_burst": "5 reviews of this product within 24 h (usually 0.0)"}
    assert flags["a0"] == {"account_burst": "5 reviews by this account within 24 h"}
    assert flags["nb"] == {"non_buyer": "never bought it; 5 customers did"}
    assert flags["d2"]["near_duplicate"] == "88% of its words are in review d1, written before it"
    assert fraud_flags(rows, {3: 5}, {**conf, "BURST_REVIEWS": 6, "ACCOUNT_BURST_REVIEWS": 6}).keys() == {"nb", "d2"}


def test_a_one_sided_reviewer_is_one_far_from_the_others_not_one_who_agrees():
    conf = DEFAULTS["FRAUD"]
    rows = []
    for product in range(3):
        rows += [row(f"p{product}-{n}", product, 50 + n, 5, 24 * n) for n in range(4)]  # good products
        rows.append(row(f"troll-{product}", product, 1, 1, 100 * product))  # always one star
        rows.append(row(f"fan-{product}", product, 2, 5, 100 * product + 1))  # always five, like everyone
    flags = fraud_flags(rows, {}, conf)
    assert set(flags) == {"troll-0", "troll-1", "troll-2"}
    assert flags["troll-0"]["one_sided_reviewer"].startswith("this account gave 1 stars to all 3 of its reviews")


def test_fraud_flags_are_stored_with_reasons_and_never_hide_a_review(settings):
    item, buyer = ItemFactory(), UserFactory()
    for n in range(6):
        FeedbackFactory(item=item, stars=5, comment=f"Great number {n}", posted=T0 + dt.timedelta(hours=n))
    scoring.score_reviews()
    rows = ReviewSentiment.objects.filter(product=item)
    assert all("review_burst" in r.flags and r.flag_reasons["review_burst"].startswith("6 reviews") for r in rows)
    assert all(is_published(r.host_status, r.moderation, r.flags) for r in rows)
    # the admin filters them
    assert rows.filter(flags__icontains='"review_burst"').count() == 6
    del buyer


def test_a_review_scored_alone_is_judged_with_its_products_and_accounts_reviews():
    item = ItemFactory()
    for n in range(4):
        FeedbackFactory(item=item, stars=5, comment=f"Great number {n}", posted=T0 + dt.timedelta(hours=n))
    scoring.score_reviews()
    assert not ReviewSentiment.objects.flagged().filter(flags__icontains="burst").exists()
    fifth = FeedbackFactory(item=item, stars=5, comment="Great number 5", posted=T0 + dt.timedelta(hours=5))
    scoring.score_reviews(pks=[fifth.pk])
    assert ReviewSentiment.objects.filter(flags__icontains='"review_burst"').count() == 5


def test_fraud_thresholds_are_checked():
    ids = [e.id for e in check_sentiment_settings(conf={**DEFAULTS, "FRAUD": {"BURST_HOURS": 0}})]
    assert ids == ["ai_commerce.E122"]
    assert [e.id for e in check_sentiment_settings(conf={**DEFAULTS, "FRAUD": {"BURST": 3}})] == ["ai_commerce.E121"]
    assert [e.id for e in check_sentiment_settings(conf={**DEFAULTS, "FRAUD": {"NEAR_DUPLICATE": True}})] == [
        "ai_commerce.E122"]
    assert check_sentiment_settings(conf={**DEFAULTS, "FRAUD": {"BURST_REVIEWS": 8, "NEAR_DUPLICATE": 0.8}}) == []

"""Rules on the other capabilities' signals (through the core seams), and a rule as an experiment arm."""

import pytest
from django.core.cache import caches
from django.test import RequestFactory

from ai_commerce import stock_outlook
from ai_commerce.merchandising import dashboard
from ai_commerce.recommendations import experiments, serving
from ai_commerce.recommendations.models import Experiment, ExperimentArm
from ai_commerce.sentiment.models import ProductSentiment, ReviewSentiment
from tests.merchandising.test_rules import pks, rule, shop, trending  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh():
    caches["default"].clear()


def test_bury_by_review_sentiment_and_flagged_reviews(shop):  # noqa: F811
    sour, flagged = shop["mugs"][0], shop["mugs"][1]
    ProductSentiment.objects.create(product=sour, review_count=8, average_score=-0.4)
    ProductSentiment.objects.create(product=flagged, review_count=3, average_score=0.6)
    ReviewSentiment.objects.create(review_key="r1", product=flagged, label="positive", score=0.9, confidence=0.9,
                                   flags=["review_burst"])
    rule(action="bury", factor=0.05, if_score_below=0.0)
    served = pks(trending(k=12))
    assert served.index(sour.pk) > 5 and served[0] == flagged.pk  # unreviewed products never match
    rule(action="exclude", if_flagged=True)
    assert flagged.pk not in pks(trending(k=12))


def test_boost_what_the_forecast_says_has_too_many_days_of_cover(shop, monkeypatch):  # noqa: F811
    slow = shop["jugs"][3]

    def outlook(product_ids=None):
        return {slow.pk: stock_outlook.StockOutlook(stock=50, daily_rate=0.1, days_of_cover=500.0, stockout_on=None,
                                                    planned_on=shop["version"].created_at.date(), restock_days=7)}

    monkeypatch.setattr(stock_outlook, "for_products", outlook)
    rule(action="exclude", if_cover_below=100)  # nobody: the slow jug has 500 days, the others no outlook
    assert len(pks(trending(k=12))) == 12
    rule(action="bury", factor=0.5, if_cover_below=1000, if_category="Jugs")
    rule(action="pin", product=slow, position=1, if_cover_below=1000)
    assert pks(trending())[0] == slow.pk


def test_a_rule_runs_as_an_experiment_arm_against_no_rule(shop, admin_client):  # noqa: F811
    version, jug = shop["version"], shop["jugs"][2]
    e = Experiment.objects.create(name="feature the jug", placements=["trending"])
    control = ExperimentArm.objects.create(experiment=e, name="no rule", version=version, weight=50, is_control=True)
    treated = ExperimentArm.objects.create(experiment=e, name="jug pinned", version=version, weight=50)
    assert "arms" in experiments.problems(e, [control, treated])  # one version twice, and no rule yet
    rule(action="pin", product=jug, position=1, arm=treated.pk, name="jug first")
    assert experiments.problems(e, [control, treated]) == {}
    experiments.start(e)
    firsts = {}
    for n in range(40):
        served = serving.trending(k=4, session_key=f"visitor-{n}")
        firsts.setdefault(served[0].arm, set()).add(served[0].product.pk)
    assert firsts[treated.pk] == {jug.pk} and jug.pk not in firsts[control.pk]
    request = RequestFactory().get("/")
    request.user = None
    from django.contrib import admin

    found = dashboard.panel(request, admin.site, None)
    row = next(r for r in found["rows"] if r["rule"].name == "jug first")
    assert row["outcome"].experiment == "feature the jug" and row["outcome"].status == "too_early"
    assert row["outcome"].lift_pct is None  # no impressions yet: nothing to tell
    page = admin_client.get("/admin/ai_commerce/dashboard/").content.decode()
    assert "jug first" in page and "not enough data yet" in page and "Too early" in page

"""The core's stock outlook (ai_commerce.stock_outlook), fed by the forecast's plan: days of cover, expected
stockouts and products running out within N days, for capabilities that cannot import the forecast."""

import pytest

from ai_commerce import capabilities, registry, stock_outlook
from ai_commerce.checks import check_limits
from ai_commerce.forecast import inventory
from ai_commerce.forecast.models import ReorderSuggestion
from ai_commerce.forecast.ordering import mark_ordered
from tests.forecast.test_forecast import shop, train  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(shop):  # noqa: F811
    version = train().model_version
    if not version.is_active:
        registry.activate(version)
        inventory.plan(version, 90)
    return version


def test_nothing_before_a_forecast_serves(db):
    assert stock_outlook.for_products() == {} and stock_outlook.running_out_within(30) == set()


def test_days_of_cover_and_stockouts_of_the_serving_plan(planned, shop, django_assert_max_num_queries):  # noqa: F811
    with django_assert_max_num_queries(1):
        outlook = stock_outlook.for_products([item.pk for item in shop])
    plan = {r.product_id: r for r in ReorderSuggestion.objects.filter(status="open")}
    assert set(outlook) == set(plan)
    risky = outlook[shop[0].pk]  # 11 in stock, sells 4 a day
    assert risky.stock == 11 and risky.days_of_cover == plan[shop[0].pk].days_of_cover
    assert risky.days_to_stockout == 2 and risky.restock_days == 7 and risky.planned_on == planned_start(planned)
    assert outlook[shop[3].pk].days_to_stockout == 0  # out of stock now
    assert outlook[shop[2].pk].days_to_stockout is None  # 400 in stock lasts beyond the horizon


def planned_start(version):
    return ReorderSuggestion.objects.filter(model_version=version).first().planned_on


def test_running_out_within_n_days_with_its_setting(planned, shop, settings):  # noqa: F811
    # 11 in stock at 4 a day, none, and the new product's 5 at its category's rate; not 400 nor 200 in stock
    assert stock_outlook.running_out_within(3) == {shop[0].pk, shop[3].pk, shop[6].pk}
    assert stock_outlook.running_out_within(1) == {shop[3].pk}
    assert stock_outlook.running_out_within(3, product_ids=[shop[0].pk, shop[2].pk]) == {shop[0].pk}
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "RUNNING_OUT_DAYS": 1}
    assert stock_outlook.running_out_within() == {shop[3].pk}
    # Marked as ordered, a product keeps its outlook from the plan until the next one, and says when it arrives.
    assert stock_outlook.for_products([shop[0].pk])[shop[0].pk].arrives_on is None
    ordered = mark_ordered(ReorderSuggestion.objects.get(product=shop[0], status="open"))
    assert shop[0].pk in stock_outlook.running_out_within(3)
    assert stock_outlook.for_products([shop[0].pk])[shop[0].pk].arrives_on == ordered.arrives_on


def test_nothing_when_the_forecast_is_not_installed(planned, monkeypatch):
    others = [config for config in capabilities.installed() if config.kind != "forecast"]
    monkeypatch.setattr(capabilities, "installed", lambda: others)
    assert capabilities.providers("stock_outlook") == []
    assert stock_outlook.for_products() == {} and stock_outlook.running_out_within(30) == set()


@pytest.mark.parametrize("value", [0, 366, 2.5, True, "7"])
def test_running_out_days_is_checked(settings, value):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "RUNNING_OUT_DAYS": value}
    assert "ai_commerce.E063" in [e.id for e in check_limits()]

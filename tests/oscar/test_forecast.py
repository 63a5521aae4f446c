"""The demand forecast on the Oscar shop through the one-line preset: Oscar's order lines (guests in, pending and
cancelled out), Oscar's stock records for the snapshots, a real training run."""

import numpy as np
import pytest
from oscar.apps.order.models import Line

from ai_commerce import registry
from ai_commerce.forecast import history
from ai_commerce.forecast.models import ProductForecast, StockSnapshot
from ai_commerce.models import TrainingRun

pytestmark = pytest.mark.django_db


def test_oscar_demand_counts_guests_and_leaves_out_pending_and_cancelled_orders(shop):
    demand = history.load()
    staple = shop.staples[1]
    sold = sum(Line.objects.filter(product=staple, order__status="Complete").values_list("quantity", flat=True))
    assert np.nansum(demand.series(staple.pk)) == sold  # the staples sell through guest orders
    assert shop.not_bought.pk not in demand.products  # only pending and cancelled orders


def test_oscar_stock_snapshots_and_a_forecast_of_every_sold_product(shop):
    assert history.snapshot_stock() > 0
    assert StockSnapshot.objects.get(product=shop.sold_out).stock == 0  # 5 in stock, 5 allocated
    run = registry.execute_run(TrainingRun.objects.create(kind="forecast").pk)
    assert run.status in ("succeeded", "skipped"), run.error
    assert run.status == "succeeded", run.message
    forecast = ProductForecast.objects.get(model_version=run.model_version, product=shop.staples[1])
    assert forecast.evidence == "own" and len(forecast.mean) == 28 and 1 < forecast.daily_rate < 15

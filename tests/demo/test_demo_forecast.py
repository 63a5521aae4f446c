"""The forecast on the demo shop whatever season its history ends in: the demo's history ends yesterday, so the
date the suite runs on sets the season the forecast is judged in. Pinned end dates stand for the days the suite may
run on: a history ending early in January (as `faketime -f '+400d'` gave on 2026-12-05) once had the models per
demand class lose to the moving average just after Christmas, so no forecast was promoted and nothing planned."""

import pytest
from django.core.management import call_command

from ai_commerce.forecast.models import ProductForecast, ReorderSuggestion
from ai_commerce.models import ModelVersion

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("end_date", ["2026-01-08", "2025-06-15", "2025-12-04"])
def test_a_forecast_serves_and_plans_reorders_in_every_season(end_date):
    call_command("demo_seed", seed=5, products=30, customers=300, order_lines=12000, days=240, end_date=end_date,
                 verbosity=0)
    call_command("ai_commerce_train", "forecast", verbosity=0)
    version = ModelVersion.objects.of_kind("forecast").latest("pk")
    m = version.metrics
    # Never worse than the best simple baseline: what serves is the best baseline when the models lose to it.
    assert version.is_active, version.note
    assert m["wrmsse"] <= m["best_baseline_wrmsse"] and m["wrmsse_skill"] >= 0
    if m.get("fallback"):
        assert set(m["serving"].values()) == {m["best_baseline"]} and "Serves a baseline" in version.note
        own = ProductForecast.objects.filter(model_version=version, evidence="own").first()
        assert "the best simple method, since the models per demand class backtested worse" in own.note
    assert ReorderSuggestion.objects.filter(status="open", model_version=version, at_risk=True).exists()

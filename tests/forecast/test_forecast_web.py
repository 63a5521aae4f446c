"""The forecast in the admin and the staff API: the dashboard panel's at-risk list and chart, a product's chart,
"mark as ordered" and the CSV export, and API answers (400 with field errors, 409 when not open, in the schema)."""

import csv
import io

import pytest

from ai_commerce import registry
from ai_commerce.forecast import inventory
from ai_commerce.forecast.models import ProductForecast, ReorderSuggestion
from tests.forecast.test_forecast import shop, train  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
ADMIN = "/admin/ai_commerce_forecast/"


@pytest.fixture
def planned(shop):  # noqa: F811
    version = train().model_version
    if not version.is_active:
        registry.activate(version)
        inventory.plan(version, 90)
    return version


def test_dashboard_lists_products_at_risk_with_a_chart_and_bias(admin_client, planned):
    page = admin_client.get("/admin/ai_commerce/dashboard/").content.decode()
    assert 'id="ai-forecast"' in page and "at risk of running out before a delivery" in page
    assert "Backtest of the serving forecast: WRMSSE" in page and "No stock snapshots yet" in page
    assert "Forecast vs actual, units a day" in page and "95% interval" in page and "<polygon" in page
    assert "Bias by category" in page and "<td>Mugs</td>" in page


def test_a_products_forecast_page_shows_its_chart(admin_client, planned, shop):  # noqa: F811
    forecast = ProductForecast.objects.get(model_version=planned, product=shop[2])
    page = admin_client.get(f"{ADMIN}productforecast/{forecast.pk}/change/").content.decode()
    assert "Forecast vs actual" in page and "<svg" in page and "smooth demand" in page


def test_admin_marks_as_ordered_and_exports_csv(admin_client, planned, shop):  # noqa: F811
    risky = ReorderSuggestion.objects.get(product=shop[0], status="open")
    changelist = f"{ADMIN}reordersuggestion/"
    answer = admin_client.post(changelist, {"action": "export_csv", "_selected_action": [risky.pk]})
    rows = list(csv.reader(io.StringIO(answer.content.decode())))
    assert answer["Content-Type"].startswith("text/csv") and rows[0][:3] == ["product_id", "product", "order_qty"]
    assert rows[1][0] == str(shop[0].pk) and int(rows[1][2]) == risky.order_qty > 0
    admin_client.post(changelist, {"action": "mark_ordered", "_selected_action": [risky.pk]}, follow=True)
    risky.refresh_from_db()
    assert risky.status == "ordered" and risky.ordered_qty == risky.order_qty and risky.ordered_by is not None
    page = admin_client.post(changelist, {"action": "mark_ordered", "_selected_action": [risky.pk]},
                             follow=True).content.decode()
    assert "0 suggestions marked as ordered" in page and "only an open suggestion" in page


def test_api_lists_forecasts_and_reorders_and_marks_an_order(admin_client, planned, shop):  # noqa: F811
    listed = admin_client.get("/ai/api/forecast/products/", {"product": shop[2].pk}).json()
    assert listed["count"] == 1 and len(listed["results"][0]["mean"]) == 28 and listed["results"][0]["lo80"]
    weekly = listed["results"][0]["weekly"]
    assert len(weekly) == 4 and abs(sum(weekly) - sum(listed["results"][0]["mean"])) < 0.05
    for bad in ("x", "²", "2546984714519155902822758744064"):  # the last one the schema fuzz found: a 500 before
        assert admin_client.get("/ai/api/forecast/products/", {"product": bad}).json() == {
            "product": ["Give a product id (a whole number up to 9223372036854775807)."]}, bad
    risky = admin_client.get("/ai/api/forecast/reorders/", {"status": "open", "at_risk": "true"}).json()["results"]
    assert risky and all(row["at_risk"] for row in risky)
    assert admin_client.get("/ai/api/forecast/reorders/", {"status": "bogus"}).status_code == 400
    assert "at_risk" in admin_client.get("/ai/api/forecast/reorders/", {"at_risk": "maybe"}).json()
    url = f"/ai/api/forecast/reorders/{risky[0]['id']}/ordered/"
    assert "quantity" in admin_client.post(url, {"quantity": 0}, content_type="application/json").json()
    done = admin_client.post(url, {"quantity": 12}, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "ordered" and done.json()["ordered_qty"] == 12
    again = admin_client.post(url, {}, content_type="application/json")
    assert again.status_code == 409 and "not open" in again.json()["detail"]


def test_the_schema_describes_the_forecast_endpoints(client):
    schema = client.get("/ai/api/schema/", HTTP_ACCEPT="application/json").json()
    assert {"/api/forecast/products/", "/api/forecast/reorders/",
            "/api/forecast/reorders/{id}/ordered/"} <= set(schema["paths"])

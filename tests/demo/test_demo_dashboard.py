"""The AI dashboard on the demo shop, as after `make demo`: real trained versions, real events, charts with data."""

import pytest
from django.core.management import call_command

from ai_commerce.models import Interaction, ModelVersion
from ai_commerce.pricing.models import PriceSuggestion
from tests.demo.conftest import SEEDED_UNTIL

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/ai_commerce/dashboard/"


@pytest.fixture
def trained(settings):
    call_command("demo_seed", seed=5, products=30, customers=300, order_lines=12000, days=240,
                 end_date=SEEDED_UNTIL, verbosity=0)
    call_command("ai_commerce_import_history", verbosity=0)
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "SENTIMENT": {"MIN_REVIEWS": 100}}
    call_command("ai_commerce_train", "sentiment", verbosity=0)
    call_command("ai_commerce_score_reviews", verbosity=0)
    call_command("ai_commerce_train", "pricing", verbosity=0)
    call_command("ai_commerce_train", "forecast", verbosity=0)
    call_command("ai_commerce_setup_schedules", beat=True, verbosity=0)


def test_the_dashboard_charts_the_demo_shops_real_data(admin_client, trained, django_assert_max_num_queries):
    assert ModelVersion.objects.filter(kind__in=["sentiment", "pricing"], is_active=True).count() == 2
    suggestion = PriceSuggestion.objects.filter(status="pending").first()
    url = "/admin/ai_commerce_pricing/pricesuggestion/"
    admin_client.post(url, {"action": "approve", "_selected_action": [suggestion.pk]})
    admin_client.post(url, {"action": "apply", "_selected_action": [suggestion.pk]})

    # 5 of them the forecast panel's (at-risk list, its first chart), 10 search's (the demo has searches: top queries,
    # their conversion as the trainer credits it (tuning, searches, clicks, baskets and orders), zero-result queries,
    # totals, click-through by position), 2 the assistant's, 2 the merchandising panel's (its rules, its audit
    # log), 2 the newest event's and review's days (where the charts end)
    with django_assert_max_num_queries(36 + 2):
        response = admin_client.get(DASHBOARD)
    assert response.status_code == 200
    page = response.content.decode()
    # the metrics of 6 kinds (recommendations, search and the assistant never trained: "no data yet"), events,
    # sentiment by month, forecast vs actual, and search's click-through by position and conversion by query
    assert page.count('class="ai-chart"') == 11 and page.count("no data yet") == 3
    assert "Conversion by query" in page
    assert "Forecast vs actual, units a day" in page and "wrmsse_skill: " in page
    assert page.count("purchase: ") > 10 and page.count("positive: ") >= 1  # bars with tooltips
    assert "macro_f1: " in page and "demand_skill: " in page  # metric points
    assert 'class="ai-table ai-effects"' in page and str(suggestion.suggested_price) in page
    assert "retrain sentiment nightly" in page and "/admin/django_celery_beat/periodictask/?q=ai_commerce" in page
    assert Interaction.objects.exists()
    assert DASHBOARD in admin_client.get("/admin/").content.decode()

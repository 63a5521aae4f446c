"""The demo shop installs ai_commerce through settings alone, as the README tells an existing shop to."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core import checks
from django.core.management import call_command
from django.utils import timezone

from ai_commerce.adapter import get_adapter
from ai_commerce.models import Interaction
from demo_shop.catalog.models import Category, Product
from demo_shop.orders.models import Order, OrderLine
from demo_shop.reviews.models import Review
from tests.core.test_no_tensorflow import WEB_SCRIPT, run_guard
from tests.demo.conftest import SEEDED_UNTIL, TINY_RECOMMENDATIONS

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    category = Category.objects.create(name="Dresses", slug="dresses")
    return Product.objects.create(
        sku="D-1",
        name="Wrap dress",
        slug="wrap-dress",
        description="Soft.",
        category=category,
        price=Decimal("49.00"),
        cost=Decimal("20.00"),
        stock=3,
    )


def test_the_demo_configuration_passes_every_check():
    assert [m for m in checks.run_checks() if m.id and m.id.startswith("ai_commerce.")] == []


def test_the_adapter_reads_and_writes_the_demo_fields(product):
    adapter = get_adapter()
    assert adapter.product_values([product.pk])[product.pk] == {
        "title": "Wrap dress",
        "description": "Soft.",
        "price": Decimal("49.00"),
        "cost": Decimal("20.00"),
        "stock": 3,
        "active": True,
        "category": "Dresses",
        "created": product.created_at,
    }
    assert adapter.set_price(product.pk, Decimal("44.99")) == 1
    product.refresh_from_db()
    assert product.price == Decimal("44.99")


def test_orders_and_reviews_become_events(product, django_user_model):
    customer = django_user_model.objects.create(username="ann")
    order = Order.objects.create(customer=customer)
    OrderLine.objects.create(order=order, product=product, quantity=2, unit_price=Decimal("49.00"))
    Review.objects.create(
        product=product, author=customer, rating=5, title="Love", body="Fits well.", created_at=timezone.now()
    )
    assert set(Interaction.objects.values_list("kind", "user_id", "product_id", "quantity")) == {
        ("purchase", customer.pk, product.pk, 2),
        ("rating", customer.pk, product.pk, 1),
    }


def test_seeded_history_imports_once(capsys):
    call_command("demo_seed", seed=3, products=30, customers=40, order_lines=400, days=60, end_date=SEEDED_UNTIL)
    Interaction.objects.all().delete()  # demo_seed bulk-creates, so signals did not fire
    call_command("ai_commerce_import_history")
    lines, reviews = OrderLine.objects.count(), Review.objects.count()
    assert Interaction.objects.filter(kind="purchase").count() == lines > 0
    assert Interaction.objects.filter(kind="rating").count() == reviews > 0
    call_command("ai_commerce_import_history")
    assert f"0 events added, {lines + reviews} already there" in capsys.readouterr().out


def test_the_demo_web_process_never_imports_tensorflow():
    result = run_guard("tests.demo_settings")
    assert result.returncode == 0, result.stderr


def test_the_demo_web_worker_starts_without_any_model_library():
    result = run_guard("tests.demo_settings", WEB_SCRIPT)
    assert result.returncode == 0, result.stderr


def test_the_product_page_shows_what_reviewers_say(client, admin_client, settings):
    """As after `make demo`: seed, train sentiment on the shop's own stars, score every review, open a product."""
    from ai_commerce.models import ModelVersion
    from ai_commerce.sentiment.models import ReviewSentiment

    call_command("demo_seed", seed=5, products=30, customers=150, order_lines=3000, days=120, end_date=SEEDED_UNTIL)
    reviews = Review.objects.count()
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "SENTIMENT": {"MIN_REVIEWS": min(reviews, 100)}}
    call_command("ai_commerce_train", "sentiment")
    assert ModelVersion.objects.of_kind("sentiment").exists()
    call_command("ai_commerce_score_reviews")
    assert ReviewSentiment.objects.count() == reviews > 100

    product = Product.objects.get(pk=ReviewSentiment.objects.values_list("product_id", flat=True).first())
    page = client.get(f"/products/{product.slug}/").content.decode()
    assert 'class="ai-sentiment"' in page and ("Pros" in page or "Cons" in page)

    flagged = ReviewSentiment.objects.flagged().count()
    assert 0 < flagged < reviews  # seeded texts include angry and mismatched reviews
    listing = admin_client.get("/admin/ai_commerce_sentiment/reviewsentiment/?flag=any").content.decode()
    assert f"{flagged} review sentiment" in listing


def test_staff_apply_a_price_suggestion_and_the_product_page_shows_it(client, admin_client):
    """As after `make demo`: train pricing on the seeded orders, approve and apply one suggestion in the admin."""
    from ai_commerce.pricing.models import ElasticityEstimate, PriceSuggestion

    call_command("demo_seed", seed=5, products=30, customers=300, order_lines=12000, days=240, end_date=SEEDED_UNTIL)
    call_command("ai_commerce_train", "pricing")
    assert ElasticityEstimate.objects.exclude(elasticity=None).exists()
    pending = PriceSuggestion.objects.filter(status="pending")
    assert pending.exists() and all(s.reason for s in pending)

    listing = admin_client.get("/admin/ai_commerce_pricing/pricesuggestion/?status__exact=pending").content.decode()
    suggestion = pending.first()
    assert str(suggestion.suggested_price) in listing
    url = "/admin/ai_commerce_pricing/pricesuggestion/"
    admin_client.post(url, {"action": "approve", "_selected_action": [suggestion.pk]})
    admin_client.post(url, {"action": "apply", "_selected_action": [suggestion.pk]})
    product = Product.objects.get(pk=suggestion.product_id)
    assert product.price == suggestion.suggested_price != suggestion.current_price
    assert f"£{suggestion.suggested_price}" in client.get(f"/products/{product.slug}/").content.decode()


@pytest.mark.train
def test_pages_show_recommendations_with_reasons_after_training(client, settings):
    """As after `make demo`: seed, backfill the event log, train recommendations (tiny), then browse."""
    from ai_commerce.recommendations.models import Recommendation

    call_command("demo_seed", seed=5, products=40, customers=300, order_lines=6000, days=200, end_date=SEEDED_UNTIL)
    call_command("ai_commerce_import_history")
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "RECOMMENDATIONS": TINY_RECOMMENDATIONS}
    call_command("ai_commerce_train", "recommendations")
    row = Recommendation.objects.filter(reason="bought_with").select_related("user").first()
    assert row is not None

    product = Product.objects.filter(is_active=True, stock__gt=0).first()
    page = client.get(f"/products/{product.slug}/").content.decode()
    assert "Similar items" in page and ("Similar to" in page or "Bought together with" in page)
    assert 'data-ai-attribution="similar:' in page
    assert re.search(r'<span class="ai-price">£\d+\.\d\d</span>', page)  # as the shop's own pages show prices

    # An anonymous visitor without history: one list of what everyone gets, not the same products twice (issue 25).
    from django.test import Client

    anonymous = Client().get("/").content.decode()
    assert anonymous.count('class="ai-placement ') == 1, anonymous
    items = re.findall(r"[?&;]p=(\d+)", anonymous)
    assert len(items) == len(set(items)) == 6
    # The visitor who viewed a product gets what it suggests, then trending products that are not among them.
    viewer = client.get("/").content.decode()
    assert viewer.count('class="ai-placement ') == 2 and "Because you viewed" in viewer
    items = re.findall(r"[?&;]p=(\d+)", viewer)
    assert len(items) == len(set(items)) == 12

    client.force_login(row.user)
    home = client.get("/").content.decode()
    assert "Recommended for you" in home and "Because you bought" in home and "Trending" in home
    # A signed-in shopper also sees what they bought before, first, each with why (issue 30).
    assert "Buy it again" in home and re.search(r"You (buy|bought) this", home)
    bought = {str(pk) for pk in Interaction.objects.filter(user=row.user, kind="purchase").values_list(
        "product_id", flat=True)}
    again = re.findall(r"[?&;]p=(\d+)", re.search(r'class="ai-placement ai-buy_again".*?</section>', home,
                                                 re.DOTALL).group(0))
    items = re.findall(r"[?&;]p=(\d+)", home)
    assert again and set(again) <= bought and items[:len(again)] == again  # first, and only what they bought
    assert not set(items[len(again):len(again) + 6]) & bought  # then six recommended, never bought
    assert len(items) == len(set(items)) == len(again) + 12  # then six trending, none twice on the page


@pytest.mark.train
def test_the_make_demo_path_works_with_the_clock_more_than_a_year_past_the_data(client, settings):
    """As `make demo` does (seed, import history, train all three, score reviews), on a shop whose history ended
    more than a year before today: every held-out window follows the data, so each capability is judged and
    promoted, and the pages show model recommendations with their reasons."""
    from ai_commerce.models import ModelVersion
    from ai_commerce.recommendations.models import Recommendation
    from ai_commerce.sentiment.models import ReviewSentiment

    end = dt.date(2025, 3, 31)
    call_command("demo_seed", seed=5, products=40, customers=300, order_lines=12000, days=240,
                 end_date=end.isoformat(), verbosity=0)
    reviews = Review.objects.count()
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "SENTIMENT": {"MIN_REVIEWS": min(reviews, 100)},
                            "RECOMMENDATIONS": TINY_RECOMMENDATIONS}
    with time_machine.travel(dt.datetime.combine(end + dt.timedelta(days=400), dt.time(12), dt.UTC)):
        assert timezone.localdate() > end + dt.timedelta(days=365)
        call_command("ai_commerce_import_history")
        for kind in ("recommendations", "sentiment", "pricing"):
            call_command("ai_commerce_train", kind)
        call_command("ai_commerce_score_reviews")

        active = {v.kind: v for v in ModelVersion.objects.active()}
        assert set(active) == {"recommendations", "sentiment", "pricing"}, list(
            ModelVersion.objects.values_list("kind", "note"))
        for version in active.values():
            assert str(end) in str(version.metrics["holdout_end"]), version.metrics  # anchored to the data
        assert ReviewSentiment.objects.filter(model_version=active["sentiment"]).count() == reviews

        product = Product.objects.filter(is_active=True, stock__gt=0).first()
        page = client.get(f"/products/{product.slug}/").content.decode()
        assert f'data-ai-attribution="similar:{active["recommendations"].pk}"' in page
        assert "Similar to" in page or "Bought together with" in page
        row = Recommendation.objects.filter(model_version=active["recommendations"], reason="bought_with").first()
        client.force_login(row.user)
        home = client.get("/").content.decode()
        assert f'data-ai-attribution="recommended:{active["recommendations"].pk}"' in home
        assert "Because you bought" in home and "Trending" in home

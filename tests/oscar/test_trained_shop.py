"""An Oscar shop after its first steps with ai_commerce (``trained_shop``: history imported, every capability
trained, reviews scored): what each capability learned from Oscar's data, and what shoppers and staff see."""

import re
import warnings

import pytest
from django.core.cache import CacheKeyWarning
from django.template import engines
from django.test import RequestFactory

from ai_commerce.models import Interaction, ModelVersion
from ai_commerce.pricing.models import ElasticityEstimate, PriceSuggestion
from ai_commerce.recommendations.models import Recommendation, RelatedProduct, TrendingProduct
from ai_commerce.sentiment.models import ReviewSentiment
from tests.oscar.conftest import ProductReview

pytestmark = pytest.mark.django_db


def active_versions():
    return {version.kind: version for version in ModelVersion.objects.active()}


def test_every_capability_is_trained_on_oscars_orders_and_reviews_and_served(trained_shop):
    active = active_versions()
    assert set(active) == {"recommendations", "sentiment", "pricing"}, list(
        ModelVersion.objects.values_list("kind", "status", "note"))
    recommendations = active["recommendations"]
    assert Recommendation.objects.filter(model_version=recommendations, reason="bought_with").exists()
    assert RelatedProduct.objects.filter(model_version=recommendations, kind="similar").exists()
    assert ReviewSentiment.objects.filter(model_version=active["sentiment"]).count() == ProductReview.objects.count()
    assert ElasticityEstimate.objects.filter(model_version=active["pricing"]).exclude(elasticity=None).count() >= 4


def test_guest_orders_feed_bought_together_trending_and_demand(trained_shop):
    """The staples are bought almost only by guests, several in one order."""
    version = active_versions()["recommendations"]
    staples = trained_shop.staples
    assert RelatedProduct.objects.filter(model_version=version, kind="bought_together", source=staples[1],
                                         product__in=staples).exists()
    trending = set(TrendingProduct.objects.filter(model_version=version, category="").values_list("product_id",
                                                                                                    flat=True))
    assert {p.pk for p in staples} & trending
    estimate = ElasticityEstimate.objects.get(model_version=active_versions()["pricing"], product=staples[0])
    assert estimate.low <= -2.5 <= estimate.high


def test_pending_and_cancelled_orders_are_no_purchase_for_any_capability(trained_shop):
    product = trained_shop.not_bought
    assert not Interaction.objects.filter(kind="purchase", product=product).exists()
    assert not TrendingProduct.objects.filter(product=product).exists()
    assert not RelatedProduct.objects.filter(kind="bought_together", product=product).exists()
    assert not ElasticityEstimate.objects.filter(product=product).exclude(n_orders=0).exists()


def test_suggestions_start_from_the_price_oscar_sells_at(trained_shop):
    suggestion = PriceSuggestion.objects.get(product=trained_shop.two_records, status="pending")
    assert str(suggestion.current_price) == "20.00"  # the first stock record's, not the cheaper second one's
    assert str(suggestion.suggested_price) == "18.00" and "assumed 40%" in suggestion.reason  # 10% down at most


def test_a_flagged_review_is_held_for_moderation_on_oscar(trained_shop):
    review = ProductReview.objects.get(pk=trained_shop.abusive_review.pk)
    scored = ReviewSentiment.objects.get(review_key=str(review.pk))
    assert "abusive" in scored.flags
    assert review.status == ProductReview.FOR_MODERATION  # 0, written back
    assert review not in review.product.reviews.approved()


def test_trending_in_a_category_named_home_and_garden_warns_nothing(trained_shop, client):
    template = engines["django"].from_string(
        '{% load ai_recommendations %}{% trending_products k=4 category="Home & Garden" %}')
    request = RequestFactory().get("/")
    request.user, request.session = trained_shop.customers[0], None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        html = template.render({}, request)
        response = client.get("/ai/api/trending/", {"category": "Home & Garden", "k": 4})
        again = client.get("/ai/api/trending/", {"category": "Home & Garden", "k": 4})  # from the cache
    assert [w for w in caught if issubclass(w.category, CacheKeyWarning)] == []
    assert "Home &amp; Garden" in html and 'class="ai-placement ai-trending"' in html
    assert response.status_code == 200 and response.json()["results"] == again.json()["results"]
    garden = {str(p.pk) for p in trained_shop.tail["Home & Garden"]} | {
        str(p.pk) for p in trained_shop.staples[1::2]} | {str(trained_shop.not_bought.pk)}
    assert {item["product"] for item in response.json()["results"]} <= garden


def test_oscars_product_page_shows_the_ai_with_prices_as_oscar_shows_them(trained_shop, client):
    product = trained_shop.tail["Tea"][3]  # well liked
    client.force_login(trained_shop.customers[1])  # a Tea customer
    response = client.get(product.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "oscar/catalogue/detail.html" in [t.name for t in response.templates]
    assert f"<h1>{product.title}</h1>" in page and '<p class="price_color">£20.00</p>' in page  # Oscar's own
    versions = active_versions()
    assert f'data-ai-attribution="similar:{versions["recommendations"].pk}' in page
    assert 'class="ai-placement ai-bought_together"' in page and 'class="ai-placement ai-recommended"' in page
    assert 'class="ai-sentiment"' in page
    prices = re.findall(r'<span class="ai-price">([^<]*)</span>', page)
    assert prices and all(re.fullmatch(r"£\d+\.\d\d", price) for price in prices), prices
    assert Interaction.objects.filter(kind="view", product=product, user=trained_shop.customers[1]).exists()


def test_the_api_serves_oscar_products(trained_shop, client, admin_client):
    product = trained_shop.tail["Tea"][3]  # well liked
    for url in (f"/ai/api/products/{product.pk}/similar/", f"/ai/api/products/{product.pk}/bought-together/"):
        body = client.get(url).json()
        assert body["model_version"] == active_versions()["recommendations"].pk and body["results"], url
        assert all(item["price"] == "20.00" and item["reason"] for item in body["results"])
    sentiment = client.get(f"/ai/api/products/{product.pk}/sentiment/").json()
    assert sentiment["review_count"] > 0 and sum(sentiment["counts"].values()) == sentiment["review_count"]
    client.force_login(trained_shop.customers[2])
    mine = client.get("/ai/api/recommendations/", {"k": 5}).json()["results"]
    assert len(mine) == 5 and all(item["product"] != str(trained_shop.hidden.pk) for item in mine)
    assert client.get("/ai/api/pricing/suggestions/").status_code == 403  # shoppers see no pricing
    suggestions = admin_client.get("/ai/api/pricing/suggestions/", {"status": "pending"}).json()["results"]
    assert str(trained_shop.two_records.pk) in {str(s["product"]) for s in suggestions}


def test_the_admin_ai_dashboard_shows_every_capability(trained_shop, admin_client):
    response = admin_client.get("/admin/ai_commerce/dashboard/")
    assert response.status_code == 200
    page = response.content.decode().lower()
    assert all(kind in page for kind in ("recommendations", "sentiment", "pricing"))


def test_buy_again_reads_a_customers_own_oscar_orders(trained_shop, client):
    """Oscar's completed order lines are the purchases: a customer's list holds only what they bought (never the
    pending or cancelled order's gnome), with Oscar's prices, on the product page and through the API."""
    customer = trained_shop.customers[3]
    judged = active_versions()["recommendations"].metrics["buy_again"]
    assert judged["served"] in ("learned", "p_topfreq"), judged["reason"]
    assert judged["p_topfreq"]["recall_at_10"] >= 0 and judged["reason"]
    client.force_login(customer)
    body = client.get("/ai/api/recommendations/buy-again/", {"k": 10}).json()
    bought = set(Interaction.objects.filter(user=customer, kind="purchase").values_list("product_id", flat=True))
    got = [int(item["product"]) for item in body["results"]]
    assert got and set(got) <= bought and trained_shop.not_bought.pk not in got
    assert body["served"] == judged["served"] and all(item["price"] == "20.00" for item in body["results"])
    assert all(item["reason"].startswith(("You buy this", "You bought this", "Shoppers buy this"))
               for item in body["results"])
    page = client.get(trained_shop.tail["Tea"][3].get_absolute_url()).content.decode()
    assert 'class="ai-placement ai-buy_again"' in page
    client.logout()
    anonymous = client.get("/ai/api/recommendations/buy-again/").json()
    assert anonymous["results"] == [] and "Sign in" in anonymous["reason"]

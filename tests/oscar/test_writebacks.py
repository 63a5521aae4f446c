"""Write-backs that Oscar sees: an applied price lands on the stock record Oscar sells from, through its save(), and
a moderation decision on ``ProductReview.status``, so Oscar recomputes ``Product.rating``. Each is announced by
ai_commerce's own signals once committed."""

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from ai_commerce import signals
from ai_commerce.models import ModelVersion
from ai_commerce.pricing.models import PriceSuggestion
from ai_commerce.sentiment.models import ReviewSentiment
from tests.oscar.conftest import Product, ProductReview, StockRecord

pytestmark = pytest.mark.django_db
SUGGESTIONS = "/admin/ai_commerce_pricing/pricesuggestion/"
REVIEWS = "/admin/ai_commerce_sentiment/reviewsentiment/"


@contextmanager
def received(signal):
    """Collect the keyword arguments of each ``signal`` sent inside the block."""
    calls = []

    def receiver(sender, **kwargs):
        calls.append({"sender": sender, **kwargs})

    signal.connect(receiver, weak=False)
    try:
        yield calls
    finally:
        signal.disconnect(receiver)


def approved_mean(product):
    scores = list(ProductReview.objects.filter(product=product, status=ProductReview.APPROVED)
                  .values_list("score", flat=True))
    return sum(scores) / len(scores) if scores else None


def test_an_applied_price_is_the_price_oscar_sells_at_and_a_rollback_restores_it(
        trained_shop, admin_client, client, django_capture_on_commit_callbacks):
    product = trained_shop.staples[1]
    suggestion = PriceSuggestion.objects.get(product=product, status="pending")
    record = StockRecord.objects.get(product=product)
    StockRecord.objects.filter(pk=record.pk).update(date_updated=timezone.now() - dt.timedelta(days=3))
    before = StockRecord.objects.get(pk=record.pk).date_updated

    with received(signals.price_applied) as applied, django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(f"/ai/api/pricing/suggestions/{suggestion.pk}/approve/").status_code == 200
        response = admin_client.post(f"/ai/api/pricing/suggestions/{suggestion.pk}/apply/")
    assert response.status_code == 200, response.content
    record.refresh_from_db()
    assert record.price == suggestion.suggested_price != Decimal("20.00")
    assert record.date_updated > before  # written through StockRecord.save(): auto_now moved
    page = client.get(product.get_absolute_url()).content.decode()
    assert f'<p class="price_color">£{suggestion.suggested_price}</p>' in page  # Oscar's strategy sells at it
    [sent] = applied
    assert (sent["product_id"], sent["old_price"], sent["new_price"]) == (
        product.pk, Decimal("20.00"), suggestion.suggested_price)

    with received(signals.price_rolled_back) as rolled_back, django_capture_on_commit_callbacks(execute=True):
        admin_client.post(SUGGESTIONS, {"action": "rollback", "_selected_action": [suggestion.pk]})
    record.refresh_from_db()
    assert record.price == Decimal("20.00")
    assert '<p class="price_color">£20.00</p>' in client.get(product.get_absolute_url()).content.decode()
    [sent] = rolled_back
    assert (sent["product_id"], sent["new_price"]) == (product.pk, Decimal("20.00"))


def test_with_two_partners_the_price_is_applied_to_the_first_stock_record_only(trained_shop, admin_client):
    product = trained_shop.two_records
    suggestion = PriceSuggestion.objects.get(product=product, status="pending")
    admin_client.post(SUGGESTIONS, {"action": "approve", "_selected_action": [suggestion.pk]})
    admin_client.post(SUGGESTIONS, {"action": "apply", "_selected_action": [suggestion.pk]})
    prices = list(StockRecord.objects.filter(product=product).order_by("pk").values_list("price", flat=True))
    assert prices == [suggestion.suggested_price, Decimal("15.00")]  # the other partner's price is its own
    admin_client.post(SUGGESTIONS, {"action": "rollback", "_selected_action": [suggestion.pk]})
    prices = list(StockRecord.objects.filter(product=product).order_by("pk").values_list("price", flat=True))
    assert prices == [Decimal("20.00"), Decimal("15.00")]


def test_a_held_review_that_staff_approve_is_published_on_oscar_and_counts_in_its_rating(
        trained_shop, admin_client, django_capture_on_commit_callbacks):
    review = ProductReview.objects.get(pk=trained_shop.abusive_review.pk)
    product = review.product
    assert review.status == ProductReview.FOR_MODERATION  # held when it was scored
    assert Product.objects.get(pk=product.pk).rating == pytest.approx(approved_mean(product))  # without it
    scored = ReviewSentiment.objects.get(review_key=str(review.pk))

    with received(signals.review_moderated) as moderated, django_capture_on_commit_callbacks(execute=True):
        admin_client.post(REVIEWS, {"action": "approve", "_selected_action": [scored.pk]})
    review.refresh_from_db()
    assert review.status == ProductReview.APPROVED
    assert review in product.reviews.approved()  # on Oscar's product page
    assert Product.objects.get(pk=product.pk).rating == pytest.approx(approved_mean(product))  # recomputed, with it
    [sent] = moderated
    assert (sent["review_keys"], sent["decision"], sent["host_status"]) == ([str(review.pk)], "approved", 1)


def test_a_review_that_staff_hide_is_rejected_on_oscar_and_leaves_its_rating(
        trained_shop, admin_client, django_capture_on_commit_callbacks):
    scored = ReviewSentiment.objects.filter(product=trained_shop.tail["Tea"][3], rating=5).first()
    review = ProductReview.objects.get(pk=scored.review_key)
    product = review.product
    rating = Product.objects.get(pk=product.pk).rating
    with received(signals.review_moderated) as moderated, django_capture_on_commit_callbacks(execute=True):
        admin_client.post(REVIEWS, {"action": "hide", "_selected_action": [scored.pk]})
    review.refresh_from_db()
    assert review.status == ProductReview.REJECTED
    assert review not in product.reviews.approved()
    recomputed = Product.objects.get(pk=product.pk).rating
    assert recomputed == pytest.approx(approved_mean(product)) and recomputed < rating
    assert [(s["decision"], s["host_status"]) for s in moderated] == [("hidden", 2)]


def test_a_negative_review_is_not_held_back_on_oscar(trained_shop):
    """Only flags that hold a review (abusive, spam) hold it on the host: reviews are not left out for being negative
    (ai_commerce.sentiment.published), on Oscar's page no more than in our summaries."""
    negative = [s for s in ReviewSentiment.objects.filter(rating__lte=2) if s.flags == ["strongly_negative"]]
    assert negative
    statuses = set(ProductReview.objects.filter(pk__in=[s.review_key for s in negative]).values_list("status",
                                                                                                     flat=True))
    assert statuses == {ProductReview.APPROVED}


def test_a_retrained_version_is_announced_when_it_goes_live(trained_shop, django_capture_on_commit_callbacks):
    before = ModelVersion.objects.get(kind="sentiment", is_active=True)
    with received(signals.version_activated) as activated, django_capture_on_commit_callbacks(execute=True):
        call_command("ai_commerce_train", "sentiment", verbosity=0)
    now = ModelVersion.objects.get(kind="sentiment", is_active=True)
    assert now != before
    assert [(s["version"], s["previous"]) for s in activated] == [(now, before)]

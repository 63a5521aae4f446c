"""Review verification on a django-oscar shop, through the one-line preset: Oscar's orders (``order.Line`` of an
``Order`` whose status is not excluded, placed before the review) decide who is a verified buyer, exactly."""

import pytest

from ai_commerce.conf import app_settings
from ai_commerce.sentiment import scoring
from ai_commerce.sentiment.models import ReviewSentiment
from tests.oscar.conftest import ProductReview

pytestmark = pytest.mark.django_db


def expected_tier(review):
    """The tier, read straight from Oscar's own models (not through ai_commerce's adapter)."""
    from oscar.apps.order.models import Line

    if review.user_id is None:
        return "anonymous", None
    lines = Line.objects.filter(order__user_id=review.user_id, product_id=review.product_id).select_related("order")
    placed = [line.order.date_placed for line in lines
              if line.order.status not in app_settings.ORDER_STATUSES_EXCLUDED
              and line.order.date_placed <= review.date_created]
    if not placed:
        return "signed_in", None
    return "verified_buyer", (review.date_created - max(placed)).days


def test_every_oscar_review_gets_the_tier_oscars_orders_say(shop):
    scoring.score_reviews()
    found = {r.review_key: (r.verification, r.days_after_purchase) for r in ReviewSentiment.objects.all()}
    expected = {str(r.pk): expected_tier(r) for r in ProductReview.objects.all()}
    assert found == expected
    tiers = [tier for tier, _days in expected.values()]
    # the shop has all three kinds: customers reviewing what they bought, some before they bought it, and the troll
    assert tiers.count("verified_buyer") > 50 and "signed_in" in tiers and tiers.count("anonymous") == 1

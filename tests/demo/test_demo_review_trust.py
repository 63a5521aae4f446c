"""Review trust on the demo shop: every review's tier is what the demo's own orders say, and no fraud flag hides a
review."""

import pytest
from django.core.management import call_command

from tests.demo.conftest import SEEDED_UNTIL

pytestmark = pytest.mark.django_db


def test_every_demo_review_gets_the_tier_its_orders_say_and_fraud_flags_hide_nothing():
    from ai_commerce.sentiment.fraud import FRAUD_FLAGS
    from ai_commerce.sentiment.models import ReviewSentiment
    from ai_commerce.sentiment.published import is_published
    from demo_shop.orders.models import OrderLine
    from demo_shop.reviews.models import Review

    call_command("demo_seed", seed=11, products=20, customers=120, order_lines=2500, days=200, end_date=SEEDED_UNTIL)
    call_command("ai_commerce_score_reviews", verbosity=0)
    placed = {}
    for user, product, when in OrderLine.objects.values_list("order__customer", "product", "order__created_at"):
        placed.setdefault((user, product), []).append(when)
    expected = {}
    for review in Review.objects.all():
        before = [t for t in placed.get((review.author_id, review.product_id), ()) if t <= review.created_at]
        expected[str(review.pk)] = ("verified_buyer", (review.created_at - max(before)).days) if before \
            else ("signed_in", None)
    found = {r.review_key: (r.verification, r.days_after_purchase) for r in ReviewSentiment.objects.all()}
    assert found == expected and len(found) > 50
    for row in ReviewSentiment.objects.all():
        if set(row.flags) & set(FRAUD_FLAGS) and not {"abusive", "spam"} & set(row.flags):
            assert is_published(row.host_status, row.moderation, row.flags)

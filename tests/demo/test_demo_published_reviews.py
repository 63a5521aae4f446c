"""The demo's AI summaries count and quote published reviews only, as its product pages show only those."""

import pytest
from django.core.management import call_command

from ai_commerce.sentiment.models import ProductSentiment, ReviewSentiment
from ai_commerce.sentiment.summaries import refresh_summaries
from demo_shop.reviews.models import Review
from tests.demo.conftest import SEEDED_UNTIL

pytestmark = pytest.mark.django_db


def unpublished_quotes_and_counts():
    """Return (quotes found in no published review of their product, reviews counted beyond the published ones)."""
    published = {}
    for product_id, excerpt in ReviewSentiment.objects.filter(host_status=Review.Status.PUBLISHED).values_list(
            "product_id", "excerpt"):
        published.setdefault(product_id, []).append(excerpt)
    quotes, extra = [], 0
    for row in ProductSentiment.objects.all():
        texts = published.get(row.product_id, [])
        quotes += [q for q in row.summary["pros"] + row.summary["cons"] if not any(q in t for t in texts)]
        extra += max(row.review_count - len(texts), 0)
    return quotes, extra


def test_no_hidden_or_pending_review_is_quoted_or_counted(settings):
    call_command("demo_seed", seed=5, products=30, customers=150, order_lines=3000, days=120,
                 end_date=SEEDED_UNTIL, verbosity=0)
    assert Review.objects.exclude(status=Review.Status.PUBLISHED).count() >= 5
    call_command("ai_commerce_score_reviews")  # the lexicon cold start, as before the first training
    assert ReviewSentiment.objects.count() == Review.objects.count()
    assert unpublished_quotes_and_counts() == ([], 0)
    counted = sum(ProductSentiment.objects.values_list("review_count", flat=True))
    assert 0 < counted <= Review.objects.published().count()

    # Without the demo's HOST_STATUS, the shop's status is not read: its pending and hidden reviews show.
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "SENTIMENT": {}}
    refresh_summaries(ProductSentiment.objects.values_list("product_id", flat=True))
    quotes, extra = unpublished_quotes_and_counts()
    assert quotes and extra > 0

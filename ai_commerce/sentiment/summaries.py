"""Per-product review summaries: write the ``ProductSentiment`` rows, and read them back.

::

    from ai_commerce.sentiment.summaries import product_summary, refresh_summaries

    refresh_summaries({product_id, ...})   # after scoring, moderation or deletion: recompute from ReviewSentiment
    product_summary(product_id)            # what the API and the template tag show (one query), or None

This module reads and writes the database rows; the summary itself (counts, trend, aspects, pros and cons) is
computed by the pure function ``ai_commerce.sentiment.summary.summarize``. Reviews that staff hid are left out.
"""

from django.db import transaction

from .models import ProductSentiment, ReviewSentiment
from .summary import summarize


def refresh_summaries(product_ids):
    """Recompute the summaries of the given products from their scored reviews."""
    product_ids = set(product_ids)
    rows = {}
    for r in ReviewSentiment.objects.filter(product_id__in=product_ids).exclude(moderation="hidden").values(
        "product_id", "label", "score", "reviewed_at", "aspects", "excerpt"
    ):
        rows.setdefault(r["product_id"], []).append(
            {"label": r["label"], "score": r["score"], "created": r["reviewed_at"], "aspects": r["aspects"],
             "text": r["excerpt"]})
    with transaction.atomic():
        ProductSentiment.objects.filter(product_id__in=product_ids - set(rows)).delete()
        ProductSentiment.objects.bulk_create(
            [ProductSentiment(product_id=pid, review_count=len(reviews), summary=(s := summarize(reviews)),
                              average_score=s["average_score"]) for pid, reviews in rows.items()],
            update_conflicts=True, unique_fields=["product"],
            update_fields=["review_count", "average_score", "summary"],
        )


def product_summary(product_id):
    """Return the product's sentiment summary as a dict, or None when it has no scored review (one query)."""
    row = ProductSentiment.objects.filter(product_id=product_id).first()
    if row is None:
        return None
    return {**row.summary, "review_count": row.review_count, "average_score": row.average_score,
            "updated_at": row.updated_at}

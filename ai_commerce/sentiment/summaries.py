"""Per-product review summaries: write the ``ProductSentiment`` rows, and read them back.

::

    from ai_commerce.sentiment.summaries import product_summary, refresh_summaries

    refresh_summaries({product_id, ...})   # after scoring, moderation or deletion: recompute from ReviewSentiment
    product_summary(product_id)            # what the API and the template tag show (cached), or None

This module reads and writes the database rows; the summary itself (counts, trend, aspects, pros and cons) is
computed by the pure function ``ai_commerce.sentiment.summary.summarize``. A summary is public, so it is made of
published reviews only: the host shows them, staff have not hidden them, and none waits for staff (the rule is in
``ai_commerce.sentiment.published``).

A summary read is cached for ``SENTIMENT["CACHE_SECONDS"]`` in ``SENTIMENT["CACHE"]``, products without one too;
``refresh_summaries`` drops every cached summary at once (a stamp), so a re-scored product is read again.
"""

from functools import partial

from django.db import transaction

from ai_commerce import cache
from ai_commerce.conf import app_settings

from .models import ProductSentiment
from .reviews import matches, published_rows, summary_tier
from .summary import summarize
from .verification import Tier

STAMP = "sentiment:summaries"
NONE = "none"  # cached for a product without a summary, so that it costs no query either


def refresh_summaries(product_ids):
    """Recompute the summaries of the given products from their published scored reviews, and drop the cached ones."""
    product_ids = set(product_ids)
    tier = summary_tier()
    rows = counted_reviews(product_ids, tier)
    with transaction.atomic():
        ProductSentiment.objects.filter(product_id__in=product_ids - set(rows)).delete()
        ProductSentiment.objects.bulk_create(
            [ProductSentiment(product_id=pid, review_count=len(reviews), summary=(s := summary_of(reviews, tier)),
                              average_score=s["average_score"]) for pid, reviews in rows.items()],
            update_conflicts=True, unique_fields=["product"],
            update_fields=["review_count", "average_score", "summary"],
        )
    # Now, and again once the caller's transaction commits: a page read in between may have cached the old summary.
    bump = partial(cache.bump, app_settings.SENTIMENT["CACHE"], STAMP)
    bump()
    transaction.on_commit(bump)


def counted_reviews(product_ids, tier):
    """Return ``{product_id: [review dict, ...]}``: the published reviews a summary counts (of ``tier`` when given),
    as ``summarize`` reads them (one query); products without one are left out."""
    rows = {}
    for product_id, published in published_rows(product_ids).items():
        counted = [r for r in published if matches(r, tier=tier)]
        if counted:
            rows[product_id] = [
                {"label": r["label"], "score": r["score"], "created": r["reviewed_at"], "aspects": r["aspects"],
                 "text": r["excerpt"], "verification": r["verification"], "rating": r["rating"]} for r in counted]
    return rows


def summary_of(reviews, tier):
    """Return the stored summary of a product's counted reviews: ``summarize``, the tier counted and the verified."""
    verified = sum(r["verification"] == Tier.VERIFIED for r in reviews)
    return {**summarize(reviews), "tier": tier, "verified": verified}


def summary_stamp():
    """The token of the current summaries (it changes at every refresh); ``cache.DOWN`` when uncached."""
    conf = app_settings.SENTIMENT
    return cache.stamp(conf["CACHE"], STAMP) if conf["CACHE_SECONDS"] else cache.DOWN


def product_summary(product_id):
    """Return the product's sentiment summary as a dict, or None when it has no scored review (cached)."""
    alias, seconds = app_settings.SENTIMENT["CACHE"], app_settings.SENTIMENT["CACHE_SECONDS"]
    stamp = summary_stamp()
    if stamp == cache.DOWN:
        return _read_summary(product_id)
    key = f"ai_commerce:sentiment:{stamp}:{cache.digest(product_id)}"
    found = cache.get(alias, key)
    if found is None:
        found = _read_summary(product_id) or NONE
        cache.set(alias, key, found, seconds)
    return None if found == NONE else found


def _read_summary(product_id):
    row = ProductSentiment.objects.filter(product_id=product_id).first()
    if row is None:
        return None
    return {**row.summary, "review_count": row.review_count, "average_score": row.average_score,
            "updated_at": row.updated_at}

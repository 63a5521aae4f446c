"""The published reviews of a product, filtered as a summary's links ask: the list behind every summary number.

::

    from ai_commerce.sentiment.reviews import review_list, reviews_query

    review_list(product_id, aspect="fit", label="negative")   # newest first: the reviews a summary line counts
    reviews_query(aspect="fit", label="negative")            # "aspect=fit&label=negative" (+ "&tier=verified_buyer")

The rules, which ``summary._support`` and the aspect counts follow exactly:

* ``aspect`` and ``label``: reviews where that aspect has that label; ``aspect`` alone: reviews that mention it;
  ``label`` alone: reviews with that label;
* ``tier``: reviews by that kind of author (``verification.Tier``); when ``SENTIMENT["SUMMARY_VERIFIED_ONLY"]`` is
  on, the summaries count verified buyers only and their links carry ``tier=verified_buyer``.

Only published reviews are listed (``published``), in the display order of the review-policy page: newest first.
One query, whatever the filters.
"""

from urllib.parse import urlencode

from ai_commerce.conf import app_settings

from .models import ReviewSentiment
from .published import is_published
from .summary import aspect_label
from .verification import Tier

FIELDS = ("review_key", "rating", "label", "score", "excerpt", "aspects", "verification", "days_after_purchase",
          "incentivized", "reviewed_at", "host_status", "moderation", "flags")


def summary_tier():
    """Return the tier the summaries count (``verified_buyer``), or None when they count every published review."""
    return Tier.VERIFIED.value if app_settings.SENTIMENT.get("SUMMARY_VERIFIED_ONLY") else None


def matches(row, aspect=None, label=None, tier=None):
    """Return whether a review row (a dict of ``FIELDS``) passes the filters of the module docstring."""
    if tier and row["verification"] != tier:
        return False
    if aspect:
        found = (row["aspects"] or {}).get(aspect)
        return bool(found) and (not label or aspect_label(found) == label)
    return not label or row["label"] == label


def published_rows(product_ids):
    """Return ``{product_id: [row, ...]}``: the published reviews of these products, newest first (one query)."""
    found = {}
    queryset = ReviewSentiment.objects.filter(product_id__in=list(product_ids)).exclude(
        moderation=ReviewSentiment.Moderation.HIDDEN).order_by("-reviewed_at", "-pk")
    for row in queryset.values("product_id", *FIELDS):
        if is_published(row["host_status"], row["moderation"], row["flags"]):
            found.setdefault(row.pop("product_id"), []).append(row)
    return found


def review_list(product_id, aspect=None, label=None, tier=None):
    """Return the published reviews of a product that pass the filters, newest first."""
    rows = published_rows([product_id]).get(product_id, [])
    return [row for row in rows if matches(row, aspect, label, tier)]


def reviews_query(aspect=None, label=None, prefix=""):
    """Return the query string of the reviews a summary line counts (with the summaries' tier, if any); the product
    page's tag names its parameters with ``prefix`` (``review_aspect=fit``), so they do not clash with the shop's."""
    params = {"aspect": aspect, "label": label, "tier": summary_tier()}
    return urlencode({prefix + key: value for key, value in params.items() if value})

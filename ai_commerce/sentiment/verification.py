"""Who wrote a review: a verified buyer, a signed-in shopper who had not bought it, or an anonymous visitor.

::

    from ai_commerce.sentiment.verification import verify

    verify(review_rows)   # {review pk: Verification(tier, days_after_purchase)} for adapter ``ReviewRow``s

The shop's own orders decide, read through the adapter (``ShopAdapter.purchases_of``, one query per batch of
reviews): a review is by a **verified buyer** when its author has an order line of the product, placed at or before
the review was written, whose order counts as a purchase (its status is not in ``ORDER_STATUSES_EXCLUDED``);
``days_after_purchase`` is the number of whole days from the latest such order to the review. A signed-in author
without one is a **signed-in non-buyer** (buying after writing the review does not make it verified), and a review
without an author is **anonymous**. Scoring stores the tier on ``ReviewSentiment`` and recomputes it each time a
review is scored again, so a cancelled order stops verifying at the next scoring.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from ai_commerce.adapter import get_adapter


class Tier(models.TextChoices):
    VERIFIED = "verified_buyer", _("verified buyer")
    SIGNED_IN = "signed_in", _("signed-in non-buyer")
    ANONYMOUS = "anonymous", _("anonymous")


@dataclass(frozen=True)
class Verification:
    tier: str
    days_after_purchase: int | None = None


def verify(rows):
    """Return ``{row.pk: Verification}`` for adapter review rows, from the shop's orders (one query)."""
    rows = list(rows)
    signed_in = [r for r in rows if r.user_id is not None and r.product_id is not None]
    bought = {}  # (user, product) -> order times, oldest first
    lines = get_adapter().purchases_of({r.user_id for r in signed_in}, {r.product_id for r in signed_in})
    for line in lines:
        bought.setdefault((line.user_id, line.product_id), []).append(line.created)
    found = {}
    for row in rows:
        if row.user_id is None:
            found[row.pk] = Verification(Tier.ANONYMOUS.value)
            continue
        times = [t for t in bought.get((row.user_id, row.product_id), ()) if
                 row.created is None or t is None or t <= row.created]
        if not times:
            found[row.pk] = Verification(Tier.SIGNED_IN.value)
            continue
        dated = [t for t in times if t is not None]
        days = (row.created - max(dated)).days if dated and row.created is not None else None
        found[row.pk] = Verification(Tier.VERIFIED.value, days)
    return found

"""The review-policy disclosure: what the shop does with reviews, said from the live settings, never by hand.

EU law (Directive 2019/2161, UCPD Art. 7(6)) makes "whether and how the trader ensures that published reviews come
from consumers who actually used or bought the product" information a shop must give, and the US FTC rule
16 CFR 465 bans suppressing reviews and undisclosed incentives. This page says, from the settings in force:

* **verification**: what "Verified buyer" means and how it is checked (the shop's orders; which order statuses do not
  count), or that reviews cannot be verified (no order model mapped);
* **whether every review is shown**: which reviews wait for staff (``published.HOLDING_FLAGS`` with the abusive word
  list and spam rules), that tone never holds a review back, and what the shop's own status does;
* **the average and the summaries**: the mean sentiment of the published reviews (verified buyers only when
  ``SUMMARY_VERIFIED_ONLY`` is on), and how each number links to its reviews;
* **the display order** (newest first) and **incentivized reviews** (marked, and how many there are).

::

    from ai_commerce.sentiment.policy import policy_context
    policy_context()   # the dict ``ai_commerce/sentiment/review_policy.html`` renders

``{% review_policy %}`` renders it in a page of the shop, and ``/ai/reviews/policy/`` serves it as a page of its
own (``review_policy_page.html``, override it to use the shop's base template). One query (the incentivized count).
"""

from ai_commerce.conf import app_settings

from .models import ReviewSentiment
from .published import HOLDING_FLAGS, published_statuses

DISPLAY_ORDER = "newest first"


def policy_context():
    """Return what the review-policy page says, from the live settings (and how many reviews are incentivized)."""
    conf = app_settings.SENTIMENT
    host_status = conf["HOST_STATUS"]
    order_fields = app_settings.ORDER_LINE_FIELDS or {}
    review_fields = app_settings.REVIEW_FIELDS or {}
    return {
        "verifies": bool(app_settings.ORDER_LINE_MODEL),
        "excluded_statuses": [str(s) for s in (app_settings.ORDER_STATUSES_EXCLUDED or ())],
        "order_status_mapped": bool(order_fields.get("status")),
        "summary_verified_only": bool(conf.get("SUMMARY_VERIFIED_ONLY")),
        "holds_abusive": "abusive" in HOLDING_FLAGS and bool(conf.get("ABUSIVE_WORDS")),
        "holds_spam": "spam" in HOLDING_FLAGS,
        "shop_statuses": sorted(published_statuses()),
        "shop_holds_flagged": host_status.get("flagged") is not None,
        "display_order": DISPLAY_ORDER,
        "incentivized_source": "shop" if review_fields.get("incentivized") else "staff",
        "incentivized_count": ReviewSentiment.objects.filter(incentivized=True).count(),
    }

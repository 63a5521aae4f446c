"""Defaults of ``AI_COMMERCE["SENTIMENT"]`` (review sentiment); a shop sets only what differs."""

DEFAULTS = {
    # Star-rated reviews needed before a shop-trained model replaces the lexicon (VADER) cold start.
    "MIN_REVIEWS": 200,
    # Share of the newest reviews held out to evaluate a new model against the lexicon and the active model,
    # and the fewest reviews it is judged on (the share grows to reach them, up to half of the reviews).
    "HOLDOUT": 0.2,
    "MIN_HOLDOUT_REVIEWS": 50,
    # Extra or replacement keywords per aspect, merged over the defaults: {"fit": ["snug"], "scent": [...]}.
    "ASPECTS": {},
    # Words that flag a review as abusive (matched as whole words, case-insensitive).
    "ABUSIVE_WORDS": ["idiot", "idiots", "stupid", "scam", "scammers", "crap", "damn", "hate you"],
    # A score at or below this is "strongly negative" (scores run from -1 to 1).
    "STRONG_NEGATIVE": -0.6,
    # 4-5 stars with a score at or below this, or 1-2 stars at or above its opposite, is a mismatch.
    "MISMATCH": -0.3,
    # Host moderation status values (when the shop maps REVIEW_FIELDS["moderation_status"]) written when a
    # review is flagged, approved or hidden. None leaves the host's status alone. "published" names the value (or a
    # list of values) that shoppers see, read and never written: summaries count only those reviews, and the
    # "approved" value (see ai_commerce.sentiment.published).
    "HOST_STATUS": {"flagged": None, "approved": None, "hidden": None, "published": None},
    # Summaries (counts, average, aspects, pros and cons) count verified buyers' reviews only, as Amazon's "Customers
    # say" does; every number's link then lists verified buyers' reviews only. The review list still shows all.
    "SUMMARY_VERIFIED_ONLY": False,
    # Cache alias and lifetime of product summaries read by pages and the API (re-scoring drops them at once).
    "CACHE": "default",
    "CACHE_SECONDS": 300,
}

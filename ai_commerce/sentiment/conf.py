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
    # Fraud signals (ai_commerce.sentiment.fraud): moderation flags with reasons, never hiding a review. A burst is
    # BURST_REVIEWS+ reviews of a product within BURST_HOURS and BURST_RATIO times its usual rate; a one-sided
    # reviewer gives only 5 (or only 1) stars in ONE_SIDED_REVIEWS+ reviews, ONE_SIDED_GAP+ stars from the others;
    # a non-buyer reviews a product NON_BUYER_MIN_BUYERS+ customers bought; a near-duplicate's words overlap another
    # review's by NEAR_DUPLICATE (Jaccard), both of MIN_DUPLICATE_WORDS+ words; an account burst is
    # ACCOUNT_BURST_REVIEWS+ reviews by one account within ACCOUNT_BURST_HOURS. A shop sets only the keys it changes.
    "FRAUD": {"BURST_REVIEWS": 5, "BURST_HOURS": 24, "BURST_RATIO": 5.0, "ONE_SIDED_REVIEWS": 3,
              "ONE_SIDED_GAP": 2.0, "NON_BUYER_MIN_BUYERS": 5, "NEAR_DUPLICATE": 0.6, "MIN_DUPLICATE_WORDS": 8,
              "ACCOUNT_BURST_REVIEWS": 5, "ACCOUNT_BURST_HOURS": 24},
    # Cache alias and lifetime of product summaries read by pages and the API (re-scoring drops them at once).
    "CACHE": "default",
    "CACHE_SECONDS": 300,
}

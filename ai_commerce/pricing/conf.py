"""Defaults of ``AI_COMMERCE["PRICING"]`` (smart pricing); a shop sets only what differs."""

DEFAULTS = {
    # The newest days of orders (before the newest order line) held out to check that the elasticities predict
    # demand better than ignoring price. The window doubles until it judges MIN_HOLDOUT_PRODUCTS products, but
    # never holds more than HOLDOUT_MAX_SHARE of the order lines; a window too thin to judge skips the run.
    "HOLDOUT_DAYS": 28,
    "MIN_HOLDOUT_PRODUCTS": 5,
    "HOLDOUT_MAX_SHARE": 0.5,
    # A new demand model is promoted when its held-out skill is at least the baseline's minus this.
    "PROMOTION_TOLERANCE": 0.02,
    # Days a suggestion stays open before it expires (the next run replaces it anyway).
    "SUGGESTION_DAYS": 7,
    # A period's price: "mean" (quantity-weighted average paid) or "mode" (the price most lines paid). Use "mode"
    # when unit prices depend on quantity (bulk tiers), so that one big order does not look like a price cut.
    "PERIOD_PRICE": "mean",
}

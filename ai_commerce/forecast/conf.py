"""Defaults of ``AI_COMMERCE["FORECAST"]`` (demand forecast and reorders); a shop sets only what differs."""

DEFAULTS = {
    # Days forecast ahead of the newest order line, by day (and summed by week in the admin).
    "HORIZON_DAYS": 28,
    # The rolling-origin backtest: this many origins, ORIGIN_STEP_DAYS apart, the newest one HORIZON_DAYS before the
    # newest order line; each origin's models see only the days before it.
    "BACKTEST_ORIGINS": 4,
    "ORIGIN_STEP_DAYS": 28,
    # A product needs this many days between its first sale and an origin for a model of its own; with fewer it gets
    # its category's profile (the average product of its category) and says so.
    "MIN_HISTORY_DAYS": 84,
    # Products judged at the oldest origin needed for a backtest; fewer and the run is skipped, nothing promoted.
    "MIN_BACKTEST_PRODUCTS": 3,
    # What serves is promoted when its backtest skill (1 - WRMSSE / best simple baseline's WRMSSE) is at least
    # minus this.
    "PROMOTION_TOLERANCE": 0.0,
    # A product with more than this many days of cover is listed as overstock.
    "OVERSTOCK_DAYS": 90,
}

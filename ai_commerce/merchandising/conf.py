"""Defaults of ``AI_COMMERCE["MERCHANDISING"]``; a shop sets only what differs."""

DEFAULTS = {
    # The cache that keeps the rules between lists (one query when it is cold), and for how long.
    "CACHE": "default",
    "CACHE_SECONDS": 300,
    # The upper edges of the price bands a cap or diversify rule on "price_band" tells apart (the last band is open).
    "PRICE_BANDS": [10, 25, 50, 100, 250],
    # How many of a list's first products diversify (MMR) reorders; the rest keep their order after them.
    "DIVERSIFY_DEPTH": 50,
}

"""Defaults of ``AI_COMMERCE["SEARCH"]`` (product search and listing re-rank); a shop sets only what differs."""

DEFAULTS = {
    # Results a page shows by default (the API's page_size may ask for up to MAX_PAGE_SIZE).
    "PAGE_SIZE": 20,
    "MAX_PAGE_SIZE": 100,
    # Only products in stock, unless a search asks for in_stock=False (where the shop maps stock).
    "IN_STOCK_ONLY": True,
    # Matched products checked against the shop's eligibility (active, in stock) and ranked, best lexical first.
    "MAX_CANDIDATES": 1000,
    # The learned ranking reorders this many of the best lexical matches; the rest follow by lexical score.
    "RERANK_DEPTH": 100,
    # A learned ranking needs this many search sessions with a click, basket or order to be fitted and judged.
    "MIN_SESSIONS": 40,
    # The newest share of search sessions held out to judge the rankers.
    "HOLDOUT_SHARE": 0.2,
    # A basket or order of a shown product by the same shopper within this many days is credited to the search.
    "ATTRIBUTION_DAYS": 7,
    # Seconds a web process keeps the serving version and the staff synonyms before it looks again.
    "REFRESH_SECONDS": 30,
    # Listing re-rank: how far the learned order may move a product from the shop's own order (0: not at all,
    # 1: the shop's order ignored). Per context: {"category": 0.5, "search": 0.7}.
    "RERANK_BLEND": {"default": 0.5},
    # Share of searches whose first page swaps its first result with one at a random position from 2 to 10, so that
    # the trainer measures how much less shoppers look down the list (their position bias) instead of assuming it.
    # 0 turns it off (the trainer then assumes 1 / log2(position + 1)).
    "EXPLORE_SHARE": 0.05,
    # Requests to the search and suggest endpoints per user, session and client address (DRF syntax; None: no
    # limit). Suggest is called on each keystroke, so it counts a fast typist's bursts.
    "THROTTLE_RATE": "300/min",
}

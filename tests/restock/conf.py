"""Defaults of ``AI_COMMERCE["RESTOCK"]``."""

DEFAULTS = {
    # Days held out (and restock): the newest ones before the newest purchase.
    "HORIZON_DAYS": 14,
}

"""Defaults of ``AI_COMMERCE["FORECAST"]``."""

DEFAULTS = {
    # Days held out (and forecast): the newest ones before the newest purchase.
    "HORIZON_DAYS": 14,
}

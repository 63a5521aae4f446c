"""Defaults of ``AI_COMMERCE["RECOMMENDATIONS"]``; a shop sets only what differs."""

DEFAULTS = {
    # Precomputed per user, per product (similar, bought together) and per category (trending).
    "TOP_K": 50,
    "RELATED_K": 20,
    # Users scored per chunk; with FAN_OUT, chunks run as a group of Celery tasks (needs a result backend).
    "CHUNK_SIZE": 1000,
    "FAN_OUT": False,
    # A new version is promoted when its held-out Recall@10 is at least the active version's (judged again on the
    # same split) and the best baseline's, minus this.
    "PROMOTION_TOLERANCE": 0.0,
    # Cache alias and lifetime of serving reads (keyed by model version, so a new version never serves stale rows).
    "CACHE": "default",
    "CACHE_SECONDS": 300,
    # Clicks and impressions stored per visitor (user or session) and per client address (DRF-style rates; None: no
    # limit). Over the limit, a click still redirects and a list is still shown, but neither is logged.
    "CLICK_RATE": "30/min",
    "IMPRESSION_RATE": "600/min",
    # Products the demand forecast expects to run out within AI_COMMERCE["RUNNING_OUT_DAYS"] go last in every list
    # (nothing changes without the forecast).
    "DEMOTE_RUNNING_OUT": True,
    # "Buy it again" for signed-in shoppers: trained with the recommendations, served only where the learned
    # repurchase timing beats each shopper's most often bought products on the shop's own held-out days.
    "BUY_AGAIN": True,
    # Hyperparameters over the engine's defaults (see ai_commerce.recommendations.engine.default_params()).
    "PARAMS": {},
}

"""The one record of a recommendation before it meets the catalogue: what the engine computes, the serving tables
store and serving reads back (no Django models, no numpy: the web process and the workers share it)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Rec:
    """A recommended item (a product id), its score, its reason code (``Reason``: bought_with, viewed,
    bought_together, similar, trending, popular), the item the reason names, and the category a trend is in."""

    item: object
    score: float
    reason: str
    because: object = None
    category: str | None = None

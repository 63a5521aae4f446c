"""Review insights: what a product's published reviews say, counted, for the capabilities that quote customers.

Capabilities never import each other. A capability that reads the shop's reviews (sentiment) names its provider in
``CapabilityConfig.review_insights``; the others ask this module and get ``{}`` when none is installed or a product
has no summary yet::

    from ai_commerce import review_insights

    insight = review_insights.for_products([pk]).get(pk)     # ReviewInsight, or None
    insight.reviews, insight.average_rating, insight.aspects, insight.pros, insight.cons

Everything in an insight comes from published reviews only (the provider's rule: shown by the host, not hidden by
staff, not waiting for them), and every sentence in it is one a customer wrote. A provider is
``provide(product_ids) -> {pk: ReviewInsight}`` and costs a constant number of queries.
"""

from dataclasses import dataclass

from . import capabilities


@dataclass(frozen=True)
class AspectCount:
    """How the reviews that mention an aspect ("fit") judge it: ``positive`` and ``negative`` of the ``mentions``
    reviews that name it, out of ``of`` reviews, with sentences customers wrote about it and the ``keywords`` that
    make a sentence about it ("size", "runs small")."""

    aspect: str
    mentions: int
    positive: int
    negative: int
    of: int
    sentences: tuple = ()
    keywords: tuple = ()


@dataclass(frozen=True)
class Quote:
    """A sentence a customer wrote, and how many of the ``of`` reviews back it (``reviews``)."""

    text: str
    reviews: int
    of: int


@dataclass(frozen=True)
class ReviewInsight:
    reviews: int                          # published reviews counted
    average_rating: float | None = None   # their mean stars, None when unknown
    aspects: tuple = ()                   # AspectCount, the most mentioned first
    pros: tuple = ()                      # Quote
    cons: tuple = ()                      # Quote
    tier: str = ""                        # the reviews counted: "" every published one, or the provider's tier


def available():
    """Whether a provider is installed: without one, a caller reads reviews on its own; with one, a product missing
    from ``for_products`` has no published review."""
    return bool(capabilities.providers("review_insights"))


def for_products(product_ids):
    """Return ``{pk: ReviewInsight}`` for those of ``product_ids`` that have one; ``{}`` without a provider."""
    ids = list(product_ids)
    out = {}
    for provide in capabilities.providers("review_insights"):
        for pk, insight in provide(ids).items():
            out.setdefault(pk, insight)
    return out

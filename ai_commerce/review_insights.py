"""Review insights: what the shop's reviews say of each product, for the capabilities that quote customers or
steer by them.

Capabilities never import each other. A capability that reads the shop's reviews (sentiment) names its providers in
``CapabilityConfig.review_insights`` (one product's reviews in detail) and ``CapabilityConfig.review_standing``
(many products at once, cheaply); the others ask this module and get ``{}`` when none is installed or a product has
no reviews yet::

    from ai_commerce import review_insights

    insight = review_insights.for_products([pk]).get(pk)     # ReviewInsight, or None: the assistant quotes it
    insight.reviews, insight.average_rating, insight.aspects, insight.pros, insight.cons

    standing = review_insights.standing([pk, ...])           # {pk: Standing}: merchandising rules read it
    standing[pk].average_score, standing[pk].review_count, standing[pk].flagged

Everything in an insight comes from published reviews only (the provider's rule: shown by the host, not hidden by
staff, not waiting for them), and every sentence in it is one a customer wrote. A provider is
``provide(product_ids) -> {pk: ReviewInsight}`` and costs a constant number of queries; a standing provider is
``provide(product_ids) -> {pk: Standing}`` and costs one query.
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


@dataclass(frozen=True)
class Standing:
    """One product's reviews as sentiment scores them (moderation included): a cheap summary of many products."""

    average_score: float   # the mean sentiment score of its reviews, from -1 (negative) to 1 (positive)
    review_count: int
    flagged: int = 0       # reviews with a moderation flag (burst, non-buyer, mismatch, ...)


def available():
    """Whether a provider is installed: without one, a caller reads reviews on its own; with one, a product missing
    from ``for_products`` has no published review."""
    return bool(capabilities.providers("review_insights"))


def for_products(product_ids):
    """Return ``{pk: ReviewInsight}`` for those of ``product_ids`` that have one; ``{}`` without a provider."""
    return capabilities.merged("review_insights", list(product_ids))


def standing(product_ids):
    """Return ``{pk: Standing}`` for the reviewed products among ``product_ids``; ``{}`` without a provider."""
    return capabilities.merged("review_standing", list(product_ids))

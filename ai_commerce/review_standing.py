"""Review standing: what review sentiment knows about each product, for the other capabilities to read.

Capabilities never import each other. A capability that scores reviews (sentiment) names its provider in
``CapabilityConfig.review_standing``; the others ask this module and get nothing when none is installed::

    from ai_commerce import review_standing

    standing = review_standing.for_products([pk, ...])   # {pk: Standing}; {} without sentiment
    standing[pk].average_score, standing[pk].review_count, standing[pk].flagged

A provider is ``provide(product_ids) -> {pk: Standing}`` and costs one query. A product nobody reviewed is absent.
"""

from dataclasses import dataclass

from django.utils.module_loading import import_string

from . import capabilities


@dataclass(frozen=True)
class Standing:
    """One product's reviews as sentiment sees them."""

    average_score: float   # the mean sentiment score of its reviews, from -1 (negative) to 1 (positive)
    review_count: int
    flagged: int = 0       # reviews with a moderation flag (burst, non-buyer, mismatch, ...)


def providers():
    """Return the installed capabilities' providers, in ``INSTALLED_APPS`` order."""
    return [import_string(config.review_standing) for config in capabilities.installed()
            if getattr(config, "review_standing", None)]


def for_products(product_ids):
    """Return {product pk: Standing} for ``product_ids``; {} without a provider. The first provider that knows a
    product wins."""
    ids = list(product_ids)
    out = {}
    for provide in providers():
        for pk, standing in provide(ids).items():
            out.setdefault(pk, standing)
    return out

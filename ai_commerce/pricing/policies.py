"""Which pricing policy governs a product: its own, else its category's, else the global one, else the default.

::

    from ai_commerce.pricing.policies import PolicyResolver

    resolve = PolicyResolver()                 # two queries, whatever the number of products
    policy = resolve(product_id, category)     # a PricingPolicy (unsaved default when the shop has none)
"""

from .models import PricingPolicy


def default_policy():
    """The built-in policy when the shop has none: the model's defaults (10% margin, 10% steps, 70-150%)."""
    return PricingPolicy(name="built-in default")


class PolicyResolver:
    def __init__(self):
        policies = list(PricingPolicy.objects.all())
        self.by_product = {p.product_id: p for p in policies if p.product_id}
        self.by_category = {p.category: p for p in policies if not p.product_id and p.category}
        self.fallback = next((p for p in policies if not p.product_id and not p.category), None) or default_policy()

    def __call__(self, product_id, category=None):
        return self.by_product.get(product_id) or self.by_category.get(category or "") or self.fallback

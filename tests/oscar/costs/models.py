from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductCost(models.Model):
    """What one unit of a product costs the shop: ``AI_COMMERCE = ai_oscar.settings(cost="unit_cost__amount")``."""

    product = models.OneToOneField("catalogue.Product", on_delete=models.CASCADE, related_name="unit_cost",
                                   verbose_name=_("product"))
    amount = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2)

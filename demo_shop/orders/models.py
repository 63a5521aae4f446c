"""Orders of the demo shop. ai_commerce reads order lines through the ``ORDER_LINE_FIELDS`` setting."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Order(models.Model):
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="orders",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    reference = models.CharField(
        _("reference"),
        max_length=32,
        unique=True,
        null=True,
        blank=True,
        help_text=_("External order number, e.g. the invoice number of an imported order."),
    )

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.reference or f"#{self.pk}"

    def get_absolute_url(self):
        return reverse("order_detail", kwargs={"pk": self.pk})

    @property
    def total(self):
        """Return the order total as a Decimal (uses prefetched lines when present)."""
        return sum((line.line_total for line in self.lines.all()), Decimal("0.00"))


class OrderLine(models.Model):
    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="order_lines",
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=10,
        decimal_places=2,
        help_text=_("Price of one unit when the order was placed."),
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "pk"]

    def __str__(self):
        return f"{self.quantity} x {self.product_id} @ {self.unit_price}"

    @property
    def line_total(self):
        """Return quantity times unit price as a Decimal."""
        return self.unit_price * self.quantity

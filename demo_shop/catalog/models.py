"""Catalog of the demo shop: categories, products, their price history and the simulation truth."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ProductQuerySet(models.QuerySet):
    def active(self):
        """Return the products that are on sale."""
        return self.filter(is_active=True)

    def in_stock(self):
        """Return the products with at least one unit in stock."""
        return self.filter(stock__gt=0)


class Product(models.Model):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    slug = models.SlugField(_("slug"), max_length=255, unique=True)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="products",
    )
    price = models.DecimalField(
        _("price"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text=_("Current selling price, taxes included."),
    )
    cost = models.DecimalField(
        _("cost"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text=_("Unit cost to the shop; pricing never suggests a price below it."),
    )
    stock = models.PositiveIntegerField(_("stock"), default=0)
    is_active = models.BooleanField(
        _("active"), default=True, db_index=True, help_text=_("Inactive products are hidden from the shop.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("product_detail", kwargs={"slug": self.slug})

    @property
    def margin(self):
        """Return the unit margin (price minus cost) as a Decimal."""
        return self.price - self.cost


class PriceHistory(models.Model):
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="price_history"
    )
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    valid_from = models.DateTimeField(_("valid from"), db_index=True)

    class Meta:
        verbose_name = _("price history entry")
        verbose_name_plural = _("price history")
        ordering = ["product", "valid_from"]
        get_latest_by = "valid_from"
        constraints = [
            models.UniqueConstraint(fields=["product", "valid_from"], name="catalog_pricehistory_unique_start"),
        ]

    def __str__(self):
        return f"{self.product_id} {self.price} from {self.valid_from:%Y-%m-%d}"


class SimulationTruth(models.Model):
    """The hidden parameters that ``demo_seed`` used to simulate a product's demand.

    Expected units sold per week at price ``p`` = ``base_weekly_demand * (p / base_price) ** elasticity``,
    times the weekly and yearly seasonality (whose mean over the simulated days is 1).
    Benchmarks compare what ai_commerce learns with these values; the shop itself never reads them.
    """

    product = models.OneToOneField(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="truth")
    elasticity = models.FloatField(_("elasticity"), help_text=_("True constant price elasticity of demand (negative)."))
    base_weekly_demand = models.FloatField(
        _("base weekly demand"), help_text=_("Expected units sold per week at the base price, average season.")
    )
    base_price = models.DecimalField(
        _("base price"),
        max_digits=10,
        decimal_places=2,
        help_text=_("Reference price around which the simulated price varied."),
    )
    taste_cluster = models.PositiveIntegerField(
        _("taste cluster"), help_text=_("Customer taste cluster whose style this product belongs to.")
    )

    class Meta:
        verbose_name = _("simulation truth")
        verbose_name_plural = _("simulation truth")

    def __str__(self):
        return f"truth for {self.product_id}"

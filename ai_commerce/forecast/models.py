"""Stock snapshots, inventory policies, per-product forecasts and reorder suggestions.

Demand, stock and reorders are per product, never per customer: nothing here knows who is buying.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ai_commerce.models import PRODUCT_MODEL, ModelVersion


class StockSnapshot(models.Model):
    """A product's stock as the shop adapter read it on one day: a day with stock 0 is censored (its demand is
    unknown, not zero)."""

    product = models.ForeignKey(PRODUCT_MODEL, models.CASCADE, related_name="+", verbose_name=_("product"))
    day = models.DateField(_("day"), db_index=True)
    stock = models.IntegerField(_("stock"))

    class Meta:
        verbose_name = _("stock snapshot")
        verbose_name_plural = _("stock snapshots")
        constraints = [models.UniqueConstraint(fields=["product", "day"], name="ai_forecast_one_snapshot_a_day")]

    def __str__(self):
        return f"product {self.product_id} on {self.day}: {self.stock}"


class InventoryPolicy(models.Model):
    """How a product is restocked: global, per category or per product; the most specific one wins."""

    name = models.CharField(_("name"), max_length=100)
    product = models.ForeignKey(
        PRODUCT_MODEL, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("product"),
        help_text=_("Set for a policy of one product."),
    )
    category = models.CharField(
        _("category"), max_length=200, blank=True,
        help_text=_("Set for a policy of one category (the category as the shop adapter reads it, e.g. its name)."),
    )
    lead_time_days = models.PositiveIntegerField(
        _("lead time (days)"), default=7, validators=[MaxValueValidator(365)],
        help_text=_("Days from placing an order with the supplier to having the goods on the shelf."))
    review_period_days = models.PositiveIntegerField(
        _("review period (days)"), default=7, validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Days between two looks at this product's stock (an order covers until the next one arrives)."))
    service_level = models.DecimalField(
        _("service level %"), max_digits=5, decimal_places=2, default=Decimal(95),
        validators=[MinValueValidator(Decimal(50)), MaxValueValidator(Decimal("99.9"))],
        help_text=_("The chance of not running out before the next delivery (50 to 99.9)."))
    min_order_qty = models.PositiveIntegerField(_("minimum order"), default=1, validators=[MinValueValidator(1)])
    pack_size = models.PositiveIntegerField(_("pack size"), default=1, validators=[MinValueValidator(1)],
                                            help_text=_("Orders are rounded up to whole packs."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("inventory policy")
        verbose_name_plural = _("inventory policies")
        ordering = ("name",)
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=True) | Q(category=""), name="ai_forecast_policy_one_scope",
                violation_error_message=_("A policy is for one product or one category, not both."),
            ),
            models.UniqueConstraint(
                fields=["product"], condition=Q(product__isnull=False), name="ai_forecast_policy_per_product",
                violation_error_message=_("This product already has a policy."),
            ),
            models.UniqueConstraint(
                fields=["category"], condition=Q(product__isnull=True), name="ai_forecast_policy_per_category",
                violation_error_message=_("There is already a policy for this category (or a global one)."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.scope})"

    @property
    def scope(self):
        if self.product_id:
            return f"product {self.product_id}"
        return f"category {self.category}" if self.category else "global"

    def clean(self):
        if self.product_id and self.category:
            raise ValidationError({"category": _("A policy is for one product or one category, not both.")})


class ProductForecast(models.Model):
    """A product's daily forecast over the horizon in one forecast version, with its 80% and 95% intervals."""

    class Evidence(models.TextChoices):
        OWN = "own", _("its own history")
        CATEGORY = "category", _("its category's profile")

    model_version = models.ForeignKey(ModelVersion, models.CASCADE, related_name="+", verbose_name=_("model version"))
    product = models.ForeignKey(PRODUCT_MODEL, models.CASCADE, related_name="+", verbose_name=_("product"))
    category = models.CharField(_("category"), max_length=200, blank=True)
    demand_class = models.CharField(_("demand class"), max_length=12, blank=True,
                                    help_text=_("smooth, erratic, intermittent or lumpy (by ADI and CV squared)."))
    method = models.CharField(_("method"), max_length=40)
    evidence = models.CharField(_("evidence"), max_length=8, choices=Evidence.choices, default=Evidence.OWN)
    start = models.DateField(_("first forecast day"))
    mean = models.JSONField(_("daily forecast"), default=list)
    lo80 = models.JSONField(_("80% low"), default=list)
    hi80 = models.JSONField(_("80% high"), default=list)
    lo95 = models.JSONField(_("95% low"), default=list)
    hi95 = models.JSONField(_("95% high"), default=list)
    history_days = models.PositiveIntegerField(_("days of history"), default=0)
    censored_days = models.PositiveIntegerField(_("censored days"), default=0,
                                                help_text=_("Days out of stock, whose demand is unknown."))
    note = models.TextField(_("why this forecast"), blank=True)

    class Meta:
        verbose_name = _("product forecast")
        verbose_name_plural = _("product forecasts")
        constraints = [models.UniqueConstraint(fields=["model_version", "product"], name="ai_forecast_one_forecast")]

    def __str__(self):
        return f"product {self.product_id}: {self.daily_rate:.2f} a day ({self.method})"

    @property
    def daily_rate(self):
        return sum(self.mean) / len(self.mean) if self.mean else 0.0

    @property
    def weekly(self):
        """The forecast summed by week (days 1-7, 8-14, ...; a last short week holds what is left)."""
        return [round(sum(self.mean[i:i + 7]), 2) for i in range(0, len(self.mean), 7)]


class ReorderSuggestionQuerySet(models.QuerySet):
    def on_order(self):
        return self.filter(status=ReorderSuggestion.Status.ORDERED)


class ReorderSuggestion(models.Model):
    """What to do about one product's stock: when it runs out, and how much to order, each with its reason.

    It only refers to its forecast version (``SET_NULL``): pruning old versions keeps the record of what was ordered.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ORDERED = "ordered", _("ordered")
        RECEIVED = "received", _("received")
        REPLACED = "replaced", _("replaced by a newer plan")

    model_version = models.ForeignKey(ModelVersion, models.SET_NULL, null=True, blank=True, related_name="+",
                                      verbose_name=_("model version"))
    product = models.ForeignKey(PRODUCT_MODEL, models.CASCADE, related_name="+", verbose_name=_("product"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    planned_on = models.DateField(_("planned for"), help_text=_("The first forecast day (after the newest order)."))
    stock = models.IntegerField(_("stock"))
    on_order = models.PositiveIntegerField(_("on order"), default=0)
    daily_rate = models.FloatField(_("units a day"))
    rate_low = models.FloatField(_("units a day, 80% low"))
    rate_high = models.FloatField(_("units a day, 80% high"))
    days_of_cover = models.FloatField(_("days of cover"), null=True, blank=True)
    stockout_on = models.DateField(_("expected stockout"), null=True, blank=True)
    stockout_earliest = models.DateField(_("stockout, earliest (80%)"), null=True, blank=True)
    stockout_latest = models.DateField(_("stockout, latest (80%)"), null=True, blank=True)
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"))
    reorder_point = models.FloatField(_("reorder point"))
    order_qty = models.PositiveIntegerField(_("suggested order"))
    at_risk = models.BooleanField(_("at risk"), default=False, db_index=True,
                                  help_text=_("May run out before an order placed now could arrive."))
    overstock = models.BooleanField(_("overstock"), default=False, db_index=True)
    reason = models.TextField(_("why"))
    ordered_qty = models.PositiveIntegerField(_("ordered"), null=True, blank=True)
    ordered_on = models.DateField(_("ordered on"), null=True, blank=True)
    arrives_on = models.DateField(_("arrives on"), null=True, blank=True)
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("ordered by"))

    objects = ReorderSuggestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("reorder suggestion")
        verbose_name_plural = _("reorder suggestions")
        ordering = ("-at_risk", "stockout_on", "pk")

    def __str__(self):
        return f"product {self.product_id}: order {self.order_qty}"

"""Pricing policies, elasticity estimates, price suggestions and the audit log of every price change.

Prices are per product, never per customer: nothing here knows who is buying.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ai_commerce.models import PRODUCT_MODEL, ModelVersion

from .optimize import Guardrails

MONEY = {"max_digits": 12, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2}


class PricingPolicy(models.Model):
    """Guardrails for price suggestions: global, per category or per product; the most specific one wins."""

    class Objective(models.TextChoices):
        AUTO = "auto", _("profit, or revenue when the cost is unknown")
        PROFIT = "profit", _("profit (no suggestion without a cost)")
        REVENUE = "revenue", _("revenue")

    class Rounding(models.TextChoices):
        NONE = "none", _("none (whole cents)")
        NINETY_NINE = "0.99", _("end in .99")
        NINETY_FIVE = "0.95", _("end in .95")
        WHOLE = "whole", _("whole numbers")

    name = models.CharField(_("name"), max_length=100)
    product = models.ForeignKey(
        PRODUCT_MODEL, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("product"),
        help_text=_("Set for a policy of one product."),
    )
    category = models.CharField(
        _("category"), max_length=200, blank=True,
        help_text=_("Set for a policy of one category (the category as the shop adapter reads it, e.g. its name)."),
    )
    objective = models.CharField(_("objective"), max_length=8, choices=Objective.choices, default=Objective.AUTO)
    min_margin_pct = models.DecimalField(
        _("minimum margin %"), **PERCENT, default=Decimal(10),
        help_text=_("Margin on the price, (price - cost) / price. It wins over every other guardrail."),
    )
    floor = models.DecimalField(_("floor"), **MONEY, null=True, blank=True, help_text=_("Lowest price, absolute."))
    ceiling = models.DecimalField(_("ceiling"), **MONEY, null=True, blank=True, help_text=_("Highest price, absolute."))
    floor_pct = models.DecimalField(
        _("floor, % of current price"), **PERCENT, null=True, blank=True, default=Decimal(70),
        help_text=_("Lowest price as a percent of the current price (0-100)."),
    )
    ceiling_pct = models.DecimalField(
        _("ceiling, % of current price"), max_digits=6, decimal_places=2, null=True, blank=True, default=Decimal(150),
        help_text=_("Highest price as a percent of the current price (100 or more)."),
    )
    max_change_pct = models.DecimalField(
        _("maximum change %"), **PERCENT, default=Decimal(10), help_text=_("Largest move of one suggestion."),
    )
    class MarginWithoutCost(models.TextChoices):
        HOLD = "hold", _("do not lower the price (the margin cannot be checked)")
        SKIP = "skip", _("apply the minimum margin only where the cost is known")

    margin_without_cost = models.CharField(
        _("when the cost is unknown"), max_length=4, choices=MarginWithoutCost.choices, default=MarginWithoutCost.HOLD,
        help_text=_("What the minimum margin does for a product without a cost."),
    )
    default_cost_pct = models.DecimalField(
        _("default cost, % of price"), **PERCENT, null=True, blank=True,
        help_text=_("For a product without a cost, assume this percent of its current price (then the profit "
                    "objective and the margin apply). Empty: no assumption."),
    )
    min_gain_probability = models.DecimalField(
        _("evidence to move, %"), **PERCENT, default=Decimal(90),
        help_text=_("A price moves only when the suggestion beats the current price with at least this probability "
                    "(90: the 80% interval of the gain is above zero). Higher: fewer, surer moves."),
    )
    cooldown_days = models.PositiveIntegerField(
        _("cooldown (days)"), default=7,
        help_text=_("Days after a price change before the product is suggested again."),
    )
    rounding = models.CharField(_("rounding"), max_length=8, choices=Rounding.choices, default=Rounding.NONE)
    low_stock_threshold = models.PositiveIntegerField(
        _("low stock"), null=True, blank=True, default=5,
        help_text=_("At or below this stock the price is never lowered. Empty: no stock rule."),
    )
    auto_apply = models.BooleanField(
        _("auto-apply"), default=False, help_text=_("Apply suggestions without staff approval, within the daily cap."),
    )
    daily_auto_apply_cap = models.PositiveIntegerField(
        _("daily auto-apply cap"), default=20, validators=[MinValueValidator(1)],
        help_text=_("Most price changes auto-applied per day under this policy."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("pricing policy")
        verbose_name_plural = _("pricing policies")
        ordering = ("name",)
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=True) | Q(category=""), name="ai_pricing_policy_one_scope",
                violation_error_message=_("A policy is for one product or one category, not both."),
            ),
            models.UniqueConstraint(
                fields=["product"], condition=Q(product__isnull=False), name="ai_pricing_policy_per_product",
                violation_error_message=_("This product already has a policy."),
            ),
            models.UniqueConstraint(  # one per category, and one global policy (category "")
                fields=["category"], condition=Q(product__isnull=True), name="ai_pricing_policy_per_category",
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

    def to_guardrails(self):
        return Guardrails(
            objective=self.objective, min_margin_pct=self.min_margin_pct, floor=self.floor, ceiling=self.ceiling,
            floor_pct=self.floor_pct, ceiling_pct=self.ceiling_pct, max_change_pct=self.max_change_pct,
            rounding=self.rounding, low_stock_threshold=self.low_stock_threshold,
            margin_without_cost=self.margin_without_cost, default_cost_pct=self.default_cost_pct,
            min_gain_probability=self.min_gain_probability,
        )

    def clean(self):
        errors = {}
        if self.product_id and self.category:
            errors["category"] = _("A policy is for one product or one category, not both.")
        if self.daily_auto_apply_cap is not None and self.daily_auto_apply_cap < 1:
            errors["daily_auto_apply_cap"] = _("The daily cap must be at least 1 (turn auto-apply off instead).")
        errors.update(self.to_guardrails().validate())
        if errors:
            raise ValidationError(errors)


class ElasticityEstimate(models.Model):
    """A product's estimated price elasticity in one pricing model version, or why it has none."""

    model_version = models.ForeignKey(ModelVersion, models.CASCADE, related_name="+", verbose_name=_("model version"))
    product = models.ForeignKey(PRODUCT_MODEL, models.CASCADE, related_name="+", verbose_name=_("product"))
    elasticity = models.FloatField(_("elasticity"), null=True, blank=True,
                                   help_text=_("% change of demand per 1% change of price (pooled)."))
    low = models.FloatField(_("90% interval, low"), null=True, blank=True)
    high = models.FloatField(_("90% interval, high"), null=True, blank=True)
    raw = models.FloatField(_("unpooled"), null=True, blank=True, help_text=_("The product's own fit, before pooling."))
    pooled_toward = models.FloatField(_("pooled toward"), null=True, blank=True)
    evidence = models.CharField(
        _("evidence"), max_length=8, blank=True,
        help_text=_("own: the product's own orders carry most of the estimate; pooled: its category does."),
    )
    category = models.CharField(_("category"), max_length=200, blank=True)
    period = models.CharField(_("period"), max_length=8, blank=True)
    n_periods = models.PositiveIntegerField(_("periods"), default=0)
    n_orders = models.PositiveIntegerField(_("order lines"), default=0)
    base_units = models.FloatField(_("weekly units at the reference price"), null=True, blank=True)
    ref_price = models.DecimalField(_("reference price"), **MONEY, null=True, blank=True)
    reason = models.CharField(_("why no estimate"), max_length=300, blank=True)
    outcome = models.CharField(_("last suggestion outcome"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("elasticity estimate")
        verbose_name_plural = _("elasticity estimates")
        constraints = [models.UniqueConstraint(fields=["model_version", "product"], name="ai_pricing_one_estimate")]

    def __str__(self):
        if self.elasticity is None:
            return f"product {self.product_id}: {self.reason}"
        return f"product {self.product_id}: {self.elasticity:.2f} ({self.low:.2f} to {self.high:.2f})"

    def units_at(self, price):
        """Expected weekly units at ``price``, by constant elasticity around the reference price."""
        return self.base_units * (float(price) / float(self.ref_price)) ** self.elasticity


class PriceSuggestionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=[PriceSuggestion.Status.PENDING, PriceSuggestion.Status.APPROVED])


class PriceSuggestion(models.Model):
    """A suggested price for one product, with its expected effect, the guardrail that bound it and why."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        APPLIED = "applied", _("applied")
        EXPIRED = "expired", _("expired")
        ROLLED_BACK = "rolled_back", _("rolled back")

    product = models.ForeignKey(PRODUCT_MODEL, models.CASCADE, related_name="+", verbose_name=_("product"))
    model_version = models.ForeignKey(
        ModelVersion, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("model version"),
    )
    policy = models.ForeignKey(
        PricingPolicy, models.SET_NULL, null=True, blank=True, related_name="suggestions", verbose_name=_("policy"),
        help_text=_("Empty when the built-in default policy applied."),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    closed_reason = models.CharField(_("why it closed"), max_length=300, blank=True,
                                     help_text=_("Why an open suggestion expired (past its date, replaced, or its "
                                                 "pricing policy changed)."))
    current_price = models.DecimalField(_("current price"), **MONEY)
    suggested_price = models.DecimalField(_("suggested price"), **MONEY)
    cost = models.DecimalField(_("unit cost"), **MONEY, null=True, blank=True)
    change_pct = models.FloatField(_("change %"))
    objective = models.CharField(_("objective"), max_length=8)
    bound_by = models.CharField(_("bound by"), max_length=16, blank=True,
                                help_text=_("The guardrail that set the price, if any."))
    reason = models.TextField(_("why"))
    elasticity = models.FloatField(_("elasticity"))
    elasticity_low = models.FloatField(_("elasticity, 90% low"))
    elasticity_high = models.FloatField(_("elasticity, 90% high"))
    units_now = models.FloatField(_("weekly units now"))
    units_new = models.FloatField(_("weekly units at the new price"))
    units_new_low = models.FloatField(_("weekly units, low"))
    units_new_high = models.FloatField(_("weekly units, high"))
    revenue_now = models.DecimalField(_("weekly revenue now"), **MONEY)
    revenue_new = models.DecimalField(_("weekly revenue at the new price"), **MONEY)
    profit_now = models.DecimalField(_("weekly profit now"), **MONEY, null=True, blank=True)
    profit_new = models.DecimalField(_("weekly profit at the new price"), **MONEY, null=True, blank=True)
    lift_pct = models.FloatField(_("expected lift %"), null=True, blank=True,
                                 help_text=_("Change of the objective (profit or revenue)."))
    lift_low_pct = models.FloatField(_("lift %, low"), null=True, blank=True)
    lift_high_pct = models.FloatField(_("lift %, high"), null=True, blank=True)
    created_at = models.DateTimeField(_("suggested at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    objects = PriceSuggestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("price suggestion")
        verbose_name_plural = _("price suggestions")
        ordering = ("-created_at", "-pk")
        indexes = [models.Index(fields=["product", "status"], name="ai_pricing_product_status")]

    def __str__(self):
        return f"product {self.product_id}: {self.current_price} -> {self.suggested_price} ({self.status})"


class PriceChange(models.Model):
    """The audit log: every price ai_commerce wrote, who asked for it, and the price before."""

    class Action(models.TextChoices):
        APPLY = "apply", _("applied by staff")
        AUTO_APPLY = "auto_apply", _("auto-applied")
        ROLLBACK = "rollback", _("rolled back")

    product = models.ForeignKey(PRODUCT_MODEL, models.CASCADE, related_name="+", verbose_name=_("product"))
    suggestion = models.ForeignKey(
        PriceSuggestion, models.PROTECT, related_name="changes", verbose_name=_("suggestion"),
    )
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    old_price = models.DecimalField(_("old price"), **MONEY)
    new_price = models.DecimalField(_("new price"), **MONEY)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("changed by"), help_text=_("Empty for auto-apply."),
    )
    created_at = models.DateTimeField(_("changed at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("price change")
        verbose_name_plural = _("price changes (audit log)")
        ordering = ("-created_at", "-pk")

    def __str__(self):
        return f"product {self.product_id}: {self.old_price} -> {self.new_price} ({self.action})"

"""Serving tables of recommendations, precomputed by a training run and tied to its model version.

A version's rows are written before it is activated and never change afterwards; serving reads the active version's
rows and applies the shop's live filters (in stock, active, not bought) at request time. ``ContentNeighbour`` is the
exception: content-based neighbours of products added since the last retrain, so that a new product is reachable at
once; it belongs to no version.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ai_commerce.models import PRODUCT_MODEL, ModelVersion

from .sample_size import planned_sample

#: The placements an experiment can cover.
PLACEMENTS = ("recommended", "similar", "bought_together", "trending", "buy_again")


class Reason(models.TextChoices):
    BOUGHT_WITH = "bought_with", _("because you bought")
    VIEWED = "viewed", _("because you viewed")
    BOUGHT_TOGETHER = "bought_together", _("bought together with")
    SIMILAR = "similar", _("similar to")
    TRENDING = "trending", _("trending in")
    POPULAR = "popular", _("popular")


class ServingRow(models.Model):
    """Columns every serving row has: the version, the product, its rank and score, and why."""

    model_version = models.ForeignKey(ModelVersion, models.CASCADE, related_name="+", verbose_name=_("model version"))
    product = models.ForeignKey(PRODUCT_MODEL, models.CASCADE, related_name="+", verbose_name=_("product"))
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.FloatField(_("score"))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    because = models.ForeignKey(
        PRODUCT_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("because of"),
        help_text=_("The product the reason names (X in 'because you bought X')."),
    )
    category = models.CharField(_("category"), max_length=200, blank=True, help_text=_("Y in 'trending in Y'."))

    class Meta:
        abstract = True
        ordering = ("rank",)


class Recommendation(ServingRow):
    """One of a user's top-K products ("recommended for you")."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("user"))

    class Meta(ServingRow.Meta):
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        indexes = [models.Index(fields=["model_version", "user", "rank"], name="ai_recs_user_rank")]

    def __str__(self):
        return f"user {self.user_id} #{self.rank}: product {self.product_id} ({self.reason})"


class RelatedProduct(ServingRow):
    """A product related to another: similar (embeddings) or bought together (same orders)."""

    class Kind(models.TextChoices):
        SIMILAR = "similar", _("similar")
        BOUGHT_TOGETHER = "bought_together", _("bought together")

    source = models.ForeignKey(PRODUCT_MODEL, models.CASCADE, related_name="+", verbose_name=_("for product"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)

    class Meta(ServingRow.Meta):
        verbose_name = _("related product")
        verbose_name_plural = _("related products")
        indexes = [models.Index(fields=["model_version", "kind", "source", "rank"], name="ai_recs_related_rank")]

    def __str__(self):
        return f"{self.kind} of product {self.source_id} #{self.rank}: product {self.product_id}"


class TrendingProduct(ServingRow):
    """A trending product, overall (category "") or within a category."""

    class Meta(ServingRow.Meta):
        verbose_name = _("trending product")
        verbose_name_plural = _("trending products")
        indexes = [models.Index(fields=["model_version", "category", "rank"], name="ai_recs_trending_rank")]

    def __str__(self):
        return f"trending in {self.category or 'the shop'} #{self.rank}: product {self.product_id}"


class RepurchaseCycle(models.Model):
    """A product's repeat-purchase cycle as a version's training measured it, for "buy it again": the typical days
    between two purchases of it by one shopper, and how many of its buyers bought it again. About products only: no
    shopper is in it (serving reads each shopper's own purchases from the event log)."""

    model_version = models.ForeignKey(ModelVersion, models.CASCADE, related_name="+", verbose_name=_("model version"))
    product = models.ForeignKey(PRODUCT_MODEL, models.CASCADE, related_name="+", verbose_name=_("product"))
    days = models.FloatField(_("typical days between purchases"), help_text=_(
        "The median interval between two purchases by the same shopper, shrunk towards the shop's when few shoppers "
        "bought it twice."))
    repeat_share = models.FloatField(_("repeat share"), help_text=_("The share of its buyers who bought it again "
                                                                    "(shrunk towards the shop's)."))
    buyers = models.PositiveIntegerField(_("buyers"))
    repeat_buyers = models.PositiveIntegerField(_("repeat buyers"))
    recent_buyers = models.PositiveIntegerField(_("recent buyers"), help_text=_(
        "Shoppers who bought it in the 30 days before the newest event of the training data."))

    class Meta:
        verbose_name = _("repurchase cycle")
        verbose_name_plural = _("repurchase cycles")
        constraints = [models.UniqueConstraint(fields=["model_version", "product"], name="ai_recs_cycle_product")]

    def __str__(self):
        return f"product {self.product_id}: about every {self.days:g} days"


class ContentNeighbour(models.Model):
    """A content-based neighbour (title, description, category) of a product added after the last retrain."""

    source = models.ForeignKey(PRODUCT_MODEL, models.CASCADE, related_name="+", verbose_name=_("for product"))
    product = models.ForeignKey(PRODUCT_MODEL, models.CASCADE, related_name="+", verbose_name=_("product"))
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.FloatField(_("score"))
    created_at = models.DateTimeField(_("computed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("content neighbour")
        verbose_name_plural = _("content neighbours")
        ordering = ("rank",)
        indexes = [models.Index(fields=["source", "rank"], name="ai_recs_content_rank")]

    def __str__(self):
        return f"content neighbour of product {self.source_id} #{self.rank}: product {self.product_id}"


class PlacementEvent(models.Model):
    """An impression or a click of a rendered recommendation, credited to its placement and model version."""

    class Kind(models.TextChoices):
        IMPRESSION = "impression", _("impression")
        CLICK = "click", _("click")

    placement = models.CharField(_("placement"), max_length=32)
    # A plain id, not a foreign key: the credit outlives the version's rows (0 when no model served it).
    version = models.PositiveIntegerField(_("model version"), default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    product = models.ForeignKey(PRODUCT_MODEL, models.CASCADE, related_name="+", verbose_name=_("product"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="+",
                             verbose_name=_("user"))
    session_key = models.CharField(_("session"), max_length=40, blank=True)
    # The experiment arm the visitor was in (0: none), a plain id for the same reason as ``version``.
    arm = models.PositiveIntegerField(_("experiment arm"), default=0, db_index=True)
    occurred_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("placement event")
        verbose_name_plural = _("placement events")
        indexes = [models.Index(fields=["placement", "version", "kind"], name="ai_recs_placement_events")]

    def __str__(self):
        return f"{self.kind} of product {self.product_id} in {self.placement}:{self.version}"


class Experiment(models.Model):
    """An A/B test of recommendation versions on live traffic: arms, a split, placements, a metric and a horizon.

    A visitor (user, or the anonymous session) lands in one arm for the whole experiment, by a hash; serving reads the
    arm's version. The verdict is a fixed-horizon test: no winner is declared before every arm has the planned sample
    (from the base rate and the smallest effect worth detecting), and then only at the significance level it was
    created with (``verdict``).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        RUNNING = "running", _("running")
        STOPPED = "stopped", _("stopped")
        CONCLUDED = "concluded", _("concluded")

    class Metric(models.TextChoices):
        CTR = "ctr", _("click-through rate (clicks per impression)")
        CONVERSION = "conversion", _("conversion rate (visitors who bought a product they were shown)")
        REVENUE = "revenue", _("revenue per visitor (from the shown products they bought)")

    name = models.CharField(_("name"), max_length=100, unique=True)
    placements = models.JSONField(
        _("placements"), default=list, blank=True,
        help_text=_("Placements it covers: recommended, similar, bought_together, trending, buy_again. Empty: all of "
                    "them."),
    )
    metric = models.CharField(_("primary metric"), max_length=12, choices=Metric.choices, default=Metric.CTR)
    base_rate = models.FloatField(
        _("base rate"), default=0.02, validators=[MinValueValidator(1e-6), MaxValueValidator(0.999)],
        help_text=_("The control's expected rate (clicks per impression, or buyers per visitor); for revenue per "
                    "visitor, the share of visitors who buy. Sets the planned sample."),
    )
    min_effect_pct = models.FloatField(
        _("smallest effect worth detecting, %"), default=20.0, validators=[MinValueValidator(0.1)],
        help_text=_("Relative lift over the control, e.g. 20 for +20%."),
    )
    significance = models.FloatField(_("significance level"), default=0.05,
                                     validators=[MinValueValidator(0.001), MaxValueValidator(0.2)])
    power = models.FloatField(_("power"), default=0.95, validators=[MinValueValidator(0.5), MaxValueValidator(0.999)],
                              help_text=_("Chance of declaring the better arm when its lift is the smallest effect."))
    planned_per_arm = models.PositiveIntegerField(
        _("planned sample per arm"), default=0, editable=False,
        help_text=_("Impressions (click-through rate) or visitors (the other metrics) each arm needs."),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    starts_at = models.DateTimeField(_("start"), null=True, blank=True,
                                     help_text=_("Empty: when started. It serves only between start and stop."))
    stops_at = models.DateTimeField(_("stop"), null=True, blank=True, help_text=_("Empty: until stopped."))
    winner = models.ForeignKey("ExperimentArm", models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("winner"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("experiment")
        verbose_name_plural = _("experiments")
        ordering = ("-created_at",)

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.planned_per_arm = planned_sample(self.base_rate, self.min_effect_pct, self.significance, self.power)
        if "update_fields" in kwargs and kwargs["update_fields"] is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "planned_per_arm"}
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        if not isinstance(self.placements, list) or any(p not in PLACEMENTS for p in self.placements):
            errors["placements"] = _("A list of %(names)s (empty: all).") % {"names": ", ".join(PLACEMENTS)}
        if self.starts_at and self.stops_at and self.stops_at <= self.starts_at:
            errors["stops_at"] = _("The stop must be after the start.")
        if errors:
            raise ValidationError(errors)


class ExperimentArm(models.Model):
    """One arm: a recommendations version, or (no version) the built-in popularity baseline, and its traffic share."""

    experiment = models.ForeignKey(Experiment, models.CASCADE, related_name="arms", verbose_name=_("experiment"))
    name = models.CharField(_("name"), max_length=60)
    version = models.ForeignKey(
        ModelVersion, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("model version"),
        help_text=_("A recommendations version with serving rows. Empty: the popularity baseline."),
    )
    weight = models.PositiveSmallIntegerField(_("traffic %"), default=50)
    is_control = models.BooleanField(_("control"), default=False)

    class Meta:
        verbose_name = _("experiment arm")
        verbose_name_plural = _("experiment arms")
        ordering = ("pk",)
        constraints = [models.UniqueConstraint(fields=["experiment", "name"], name="ai_recs_arm_name")]

    def __str__(self):
        return f"{self.name} ({self.version or 'popularity'})"

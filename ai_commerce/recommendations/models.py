"""Serving tables of recommendations, precomputed by a training run and tied to its model version.

A version's rows are written before it is activated and never change afterwards; serving reads the active version's
rows and applies the shop's live filters (in stock, active, not bought) at request time. ``ContentNeighbour`` is the
exception: content-based neighbours of products added since the last retrain, so that a new product is reachable at
once; it belongs to no version.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ai_commerce.models import PRODUCT_MODEL, ModelVersion


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
    occurred_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("placement event")
        verbose_name_plural = _("placement events")
        indexes = [models.Index(fields=["placement", "version", "kind"], name="ai_recs_placement_events")]

    def __str__(self):
        return f"{self.kind} of product {self.product_id} in {self.placement}:{self.version}"

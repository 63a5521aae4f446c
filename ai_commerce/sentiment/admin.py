"""Admin of review sentiment: flagged reviews with filters and bulk moderation, and product summaries."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .audit import suppression_audit
from .models import Flag, ProductSentiment, ReviewSentiment
from .moderation import moderate
from .summaries import refresh_summaries


class FlagFilter(admin.SimpleListFilter):
    title = _("flag")
    parameter_name = "flag"

    def lookups(self, request, model_admin):
        return [("any", _("any flag")), *Flag.choices]

    def queryset(self, request, queryset):
        if self.value() == "any":
            return queryset.flagged()
        if self.value():  # the JSON list as text holds '"abusive"'; works on SQLite and PostgreSQL alike
            return queryset.filter(flags__icontains=f'"{self.value()}"')
        return queryset


@admin.register(ReviewSentiment)
class ReviewSentimentAdmin(admin.ModelAdmin):
    list_display = ("review_key", "product", "rating", "label", "score_display", "confidence_display", "flags",
                    "moderation", "verification", "days_after_purchase", "incentivized", "reviewed_at")
    list_filter = (FlagFilter, "label", "moderation", "rating", "verification", "incentivized", "mismatch_verdict")
    search_fields = ("review_key", "excerpt")
    list_select_related = ("product",)
    readonly_fields = [f.name for f in ReviewSentiment._meta.fields
                       if f.name not in ("moderation", "incentivized", "mismatch_verdict")]
    actions = ("approve", "hide", "mark_incentivized", "unmark_incentivized", "confirm_mismatch", "reject_mismatch")
    change_list_template = "admin/ai_commerce_sentiment/reviewsentiment/change_list.html"

    def get_urls(self):
        audit = self.admin_site.admin_view(self.suppression_view)
        return [path("suppression/", audit, name="ai_commerce_sentiment_reviewsentiment_suppression"),
                *super().get_urls()]

    def suppression_view(self, request):
        """Every review shoppers do not see, by whom or which rule, and the share of negatives held (``audit``)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": _("Suppression audit"), "audit": suppression_audit()}
        return TemplateResponse(request, "admin/ai_commerce_sentiment/suppression.html", context)

    @admin.display(description=_("score"), ordering="score")
    def score_display(self, obj):
        return f"{obj.score:+.2f}"

    @admin.display(description=_("confidence"), ordering="confidence")
    def confidence_display(self, obj):
        return f"{obj.confidence:.0%}"

    def _moderate(self, request, queryset, decision, verb):
        count = moderate(queryset, decision, by=request.user)  # and refreshes the summaries shoppers see
        self.message_user(request, ngettext("%(n)d review %(verb)s.", "%(n)d reviews %(verb)s.", count)
                          % {"n": count, "verb": verb}, messages.SUCCESS)

    @admin.action(description=_("Approve selected reviews"), permissions=["change"])
    def approve(self, request, queryset):
        self._moderate(request, queryset, ReviewSentiment.Moderation.APPROVED, _("approved"))

    @admin.action(description=_("Hide selected reviews"), permissions=["change"])
    def hide(self, request, queryset):
        self._moderate(request, queryset, ReviewSentiment.Moderation.HIDDEN, _("hidden"))

    def _incentivized(self, request, queryset, value):
        products = set(queryset.values_list("product_id", flat=True))
        count = queryset.update(incentivized=value)
        refresh_summaries(products)  # the review list and the policy page show it
        self.message_user(request, ngettext("%(n)d review marked.", "%(n)d reviews marked.", count) % {"n": count},
                          messages.SUCCESS)

    @admin.action(description=_("Mark selected reviews as incentivized"), permissions=["change"])
    def mark_incentivized(self, request, queryset):
        self._incentivized(request, queryset, True)

    @admin.action(description=_("Mark selected reviews as not incentivized"), permissions=["change"])
    def unmark_incentivized(self, request, queryset):
        self._incentivized(request, queryset, False)

    def _verdict(self, request, queryset, value):
        count = queryset.update(mismatch_verdict=value)
        self.message_user(request, ngettext("%(n)d verdict recorded; the next training learns from it.",
                                            "%(n)d verdicts recorded; the next training learns from them.", count)
                          % {"n": count}, messages.SUCCESS)

    @admin.action(description=_("Confirm rating mismatch (text contradicts the stars)"), permissions=["change"])
    def confirm_mismatch(self, request, queryset):
        self._verdict(request, queryset, True)

    @admin.action(description=_("Not a rating mismatch"), permissions=["change"])
    def reject_mismatch(self, request, queryset):
        self._verdict(request, queryset, False)

    def has_add_permission(self, request):
        return False


@admin.register(ProductSentiment)
class ProductSentimentAdmin(admin.ModelAdmin):
    list_display = ("product", "review_count", "average_score", "updated_at")
    list_select_related = ("product",)
    ordering = ("average_score",)
    readonly_fields = ("product", "review_count", "average_score", "summary", "updated_at")

    def has_add_permission(self, request):
        return False

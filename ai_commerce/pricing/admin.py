"""Admin of smart pricing: policies, suggestions with bulk approve / reject / apply / roll back, the audit log."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ai_commerce.readonly_admin import ReadOnlyAdmin

from . import workflow
from .models import ElasticityEstimate, PriceChange, PriceSuggestion, PricingPolicy


@admin.register(PricingPolicy)
class PricingPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "scope", "objective", "min_margin_pct", "max_change_pct", "floor_pct", "ceiling_pct",
                    "rounding", "cooldown_days", "auto_apply", "daily_auto_apply_cap")
    list_filter = ("objective", "auto_apply")
    search_fields = ("name", "category")
    raw_id_fields = ("product",)
    fieldsets = (
        (None, {"fields": ("name", "product", "category", "objective"),
                "description": _("Leave product and category empty for the global policy. The most specific policy "
                                 "wins; prices are per product, never per customer.")}),
        (_("Guardrails"), {"fields": ("min_margin_pct", ("floor", "ceiling"), ("floor_pct", "ceiling_pct"),
                                      "max_change_pct", "low_stock_threshold", "rounding", "cooldown_days",
                                      "min_gain_probability")}),
        (_("Products without a cost"), {"fields": ("margin_without_cost", "default_cost_pct")}),
        (_("Auto-apply"), {"fields": ("auto_apply", "daily_auto_apply_cap")}),
    )

    def _say_what_expired(self, request, obj):
        expired = getattr(obj, "expired_suggestions", 0)
        if expired:
            self.message_user(request, ngettext(
                "%(n)d pending suggestion made under the old rules expired; the next suggestion run makes a new one.",
                "%(n)d pending suggestions made under the old rules expired; the next suggestion run makes new ones.",
                expired) % {"n": expired}, messages.WARNING)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._say_what_expired(request, obj)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._say_what_expired(request, obj)


@admin.register(PriceSuggestion)
class PriceSuggestionAdmin(admin.ModelAdmin):
    list_display = ("product", "current_price", "suggested_price", "change_display", "lift_display",
                    "elasticity_display", "bound_by", "status", "created_at")
    list_filter = ("status", "bound_by", "objective")
    list_select_related = ("product",)
    search_fields = ("reason",)
    readonly_fields = [f.name for f in PriceSuggestion._meta.fields]
    actions = ("approve", "reject", "apply", "rollback")
    fieldsets = (
        (None, {"fields": ("product", "status", "closed_reason", "reason",
                           ("current_price", "suggested_price", "change_pct"), "bound_by", "objective", "policy")}),
        (_("Expected effect per week"), {"fields": (
            ("units_now", "units_new", "units_new_low", "units_new_high"), ("revenue_now", "revenue_new"),
            ("profit_now", "profit_new"), ("lift_pct", "lift_low_pct", "lift_high_pct"))}),
        (_("Demand model"), {"fields": (("elasticity", "elasticity_low", "elasticity_high"), "model_version", "cost")}),
        (_("History"), {"fields": ("created_at", "expires_at", "decided_by", "decided_at", "applied_at")}),
    )

    @admin.display(description=_("change"), ordering="change_pct")
    def change_display(self, obj):
        return f"{obj.change_pct:+.1f}%"

    @admin.display(description=_("expected lift"), ordering="lift_pct")
    def lift_display(self, obj):
        if obj.lift_pct is None:
            return "-"
        return f"{obj.lift_pct:+.1f}% ({obj.lift_low_pct:+.1f} to {obj.lift_high_pct:+.1f})"

    @admin.display(description=_("elasticity (90% CI)"), ordering="elasticity")
    def elasticity_display(self, obj):
        return f"{obj.elasticity:.2f} ({obj.elasticity_low:.2f} to {obj.elasticity_high:.2f})"

    def _report(self, request, count, verb, refused=()):
        self.message_user(request, ngettext("%(n)d suggestion %(verb)s.", "%(n)d suggestions %(verb)s.", count)
                          % {"n": count, "verb": verb}, messages.SUCCESS if count or not refused else messages.INFO)
        for reason in refused:
            self.message_user(request, reason, messages.WARNING)

    @admin.action(description=_("Approve selected suggestions"), permissions=["change"])
    def approve(self, request, queryset):
        self._report(request, workflow.approve(queryset, request.user), _("approved"))

    @admin.action(description=_("Reject selected suggestions"), permissions=["change"])
    def reject(self, request, queryset):
        self._report(request, workflow.reject(queryset, request.user), _("rejected"))

    def _each(self, request, queryset, action, verb):
        done, refused = 0, []
        for suggestion in queryset:
            try:
                action(suggestion, request.user)
                done += 1
            except workflow.PricingRefused as exc:
                refused.append(str(exc))
        self._report(request, done, verb, refused)

    @admin.action(description=_("Apply selected suggestions (write the prices)"), permissions=["change"])
    def apply(self, request, queryset):
        self._each(request, queryset, workflow.apply, _("applied"))

    @admin.action(description=_("Roll back selected suggestions (restore the old prices)"), permissions=["change"])
    def rollback(self, request, queryset):
        self._each(request, queryset, workflow.rollback, _("rolled back"))

    def has_add_permission(self, request):
        return False


@admin.register(PriceChange)
class PriceChangeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "product", "old_price", "new_price", "action", "changed_by", "suggestion")
    list_filter = ("action",)
    list_select_related = ("product", "changed_by", "suggestion")


@admin.register(ElasticityEstimate)
class ElasticityEstimateAdmin(ReadOnlyAdmin):
    list_display = ("product", "elasticity", "low", "high", "raw", "category", "n_orders", "reason", "outcome",
                    "model_version")
    list_filter = ("model_version", "period")
    list_select_related = ("product", "model_version")
    search_fields = ("category", "reason", "outcome")

"""Admin of the demand forecast: inventory policies, reorder suggestions (mark as ordered, CSV for the supplier),
per-product forecasts with their chart, and the stock snapshots."""

import csv

from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ai_commerce.readonly_admin import ReadOnlyAdmin

from . import ordering
from .charts import product_chart
from .models import InventoryPolicy, ProductForecast, ReorderSuggestion, StockSnapshot

CSV_COLUMNS = ("product_id", "product", "order_qty", "stock", "on_order", "daily_rate", "days_of_cover",
               "stockout_on", "lead_time_days", "reason")


@admin.register(InventoryPolicy)
class InventoryPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "scope", "lead_time_days", "review_period_days", "service_level", "min_order_qty",
                    "pack_size")
    search_fields = ("name", "category")
    raw_id_fields = ("product",)
    fieldsets = (
        (None, {"fields": ("name", "product", "category"),
                "description": _("Leave product and category empty for the global policy. The most specific policy "
                                 "wins.")}),
        (_("Restocking"), {"fields": ("lead_time_days", "review_period_days", "service_level", "min_order_qty",
                                      "pack_size")}),
    )


@admin.register(ReorderSuggestion)
class ReorderSuggestionAdmin(admin.ModelAdmin):
    # Few columns, so that each row stays one line beside the filters at 1280 px: status and overstock are filters;
    # the reason (on hover over the quantity, and whole on the suggestion's page), on-order units and the reorder
    # point are on the suggestion's page.
    list_display = ("product", "at_risk", "stock", "rate_display", "days_of_cover", "stockout_display",
                    "order_display")
    list_filter = ("status", "at_risk", "overstock")
    list_select_related = ("product",)
    search_fields = ("reason",)
    readonly_fields = [f.name for f in ReorderSuggestion._meta.fields]
    actions = ("mark_ordered", "export_csv")

    @admin.display(description=_("units a day (80%)"), ordering="daily_rate")
    def rate_display(self, obj):
        return f"{obj.daily_rate:.1f} ({obj.rate_low:.1f} to {obj.rate_high:.1f})"

    @admin.display(description=_("order"), ordering="order_qty")
    def order_display(self, obj):
        """The quantity to order, with the reason in words on hover."""
        return format_html('<span title="{}">{}</span>', obj.reason, obj.order_qty)

    @admin.display(description=_("runs out (80% band)"), ordering="stockout_on")
    def stockout_display(self, obj):
        if obj.stockout_on is None:
            return _("after the horizon")
        band = " to ".join(str(d) for d in (obj.stockout_earliest, obj.stockout_latest) if d)
        return f"{obj.stockout_on} ({band})" if band else str(obj.stockout_on)

    @admin.action(description=_("Mark selected suggestions as ordered (the suggested quantity)"),
                  permissions=["change"])
    def mark_ordered(self, request, queryset):
        done, refused = 0, []
        for suggestion in queryset:
            try:
                ordering.mark_ordered(suggestion, request.user)
                done += 1
            except ordering.OrderRefused as exc:
                refused.append(f"{suggestion.product}: {exc}")
        self.message_user(request, ngettext("%(n)d suggestion marked as ordered.",
                                            "%(n)d suggestions marked as ordered.", done) % {"n": done},
                          messages.SUCCESS if done else messages.INFO)
        for reason in refused:
            self.message_user(request, reason, messages.WARNING)

    @admin.action(description=_("Export selected suggestions as CSV (for the supplier)"), permissions=["view"])
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="reorders.csv"'
        writer = csv.writer(response)
        writer.writerow(CSV_COLUMNS)
        for s in queryset.select_related("product"):
            writer.writerow([s.product_id, str(s.product), s.order_qty, s.stock, s.on_order, s.daily_rate,
                             s.days_of_cover, s.stockout_on or "", s.lead_time_days, s.reason])
        return response

    def has_add_permission(self, request):
        return False


@admin.register(ProductForecast)
class ProductForecastAdmin(ReadOnlyAdmin):
    list_display = ("product", "demand_class", "method", "evidence", "rate_display", "history_days",
                    "censored_days", "model_version")
    list_filter = ("model_version", "demand_class", "method", "evidence")
    list_select_related = ("product", "model_version")
    search_fields = ("category", "note")
    fieldsets = (
        (None, {"fields": ("product", "model_version", "chart", "note", "category", "demand_class", "method",
                           "evidence", "start", "history_days", "censored_days")}),
        (_("The forecast day by day (units, from the first forecast day)"), {
            "fields": ("mean", "lo80", "hi80", "lo95", "hi95"), "classes": ("collapse",)}),
    )
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]

    @admin.display(description=_("units a day"))
    def rate_display(self, obj):
        return f"{obj.daily_rate:.2f}"

    @admin.display(description=_("forecast vs actual"))
    def chart(self, obj):
        return format_html('<div style="width: 760px; max-width: 100%">{}</div>', product_chart(obj))


@admin.register(StockSnapshot)
class StockSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("day", "product", "stock")
    list_filter = ("day",)
    list_select_related = ("product",)
    date_hierarchy = "day"

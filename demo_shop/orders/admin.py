from django.contrib import admin
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum
from django.utils.translation import gettext_lazy as _

from .models import Order, OrderLine


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ("product",)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("__str__", "customer", "created_at", "line_count", "order_total")
    list_select_related = ("customer",)
    search_fields = ("reference", "customer__username", "customer__email")
    date_hierarchy = "created_at"
    raw_id_fields = ("customer",)
    inlines = (OrderLineInline,)

    def get_queryset(self, request):
        line_total = ExpressionWrapper(F("lines__quantity") * F("lines__unit_price"), output_field=DecimalField())
        return super().get_queryset(request).annotate(line_count=Count("lines"), order_total=Sum(line_total))

    @admin.display(description=_("lines"), ordering="line_count")
    def line_count(self, obj):
        return obj.line_count

    @admin.display(description=_("total"), ordering="order_total")
    def order_total(self, obj):
        return obj.order_total


@admin.register(OrderLine)
class OrderLineAdmin(admin.ModelAdmin):
    list_display = ("order", "product", "quantity", "unit_price")
    list_select_related = ("order", "product")
    search_fields = ("product__name", "product__sku", "order__reference")
    raw_id_fields = ("order", "product")

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Category, PriceHistory, Product, SimulationTruth


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent", "product_count")
    list_filter = ("parent",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent").annotate(product_count=Count("products"))

    @admin.display(description=_("products"), ordering="product_count")
    def product_count(self, obj):
        return obj.product_count


class PriceHistoryInline(admin.TabularInline):
    model = PriceHistory
    extra = 0
    ordering = ("-valid_from",)


class SimulationTruthInline(admin.StackedInline):
    model = SimulationTruth
    extra = 0
    can_delete = False
    readonly_fields = ("elasticity", "base_weekly_demand", "base_price", "taste_cluster")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "sku", "category", "price", "cost", "stock", "is_active", "created_at")
    list_filter = ("is_active", "category")
    list_select_related = ("category",)
    search_fields = ("name", "sku", "description")
    prepopulated_fields = {"slug": ("name",)}
    date_hierarchy = "created_at"
    inlines = (PriceHistoryInline, SimulationTruthInline)
    actions = ("activate", "deactivate")
    fieldsets = (
        (None, {"fields": ("name", "slug", "sku", "category", "description")}),
        (_("Price and stock"), {"fields": ("price", "cost", "stock", "is_active")}),
        (_("Dates"), {"fields": ("created_at",)}),
    )

    @admin.action(description=_("Put the selected products on sale"))
    def activate(self, request, queryset):
        count = queryset.update(is_active=True)
        self.message_user(request, ngettext("%d product activated.", "%d products activated.", count) % count)

    @admin.action(description=_("Hide the selected products from the shop"))
    def deactivate(self, request, queryset):
        count = queryset.update(is_active=False)
        self.message_user(request, ngettext("%d product deactivated.", "%d products deactivated.", count) % count)


@admin.register(PriceHistory)
class PriceHistoryAdmin(admin.ModelAdmin):
    list_display = ("product", "price", "valid_from")
    list_select_related = ("product",)
    search_fields = ("product__name", "product__sku")
    date_hierarchy = "valid_from"
    raw_id_fields = ("product",)

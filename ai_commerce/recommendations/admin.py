"""Admin of recommendations: the serving tables of each version, read-only (a training run writes them)."""

from django.contrib import admin

from ai_commerce.readonly_admin import ReadOnlyAdmin

from .models import ContentNeighbour, PlacementEvent, Recommendation, RelatedProduct, TrendingProduct


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    list_display = ("user", "rank", "product", "score", "reason", "because", "model_version")
    list_filter = ("model_version", "reason")
    list_select_related = ("user", "product", "because", "model_version")
    raw_id_fields = ("user",)
    search_fields = ("user__username",)


@admin.register(RelatedProduct)
class RelatedProductAdmin(ReadOnlyAdmin):
    list_display = ("source", "kind", "rank", "product", "score", "model_version")
    list_filter = ("model_version", "kind")
    list_select_related = ("source", "product", "model_version")


@admin.register(TrendingProduct)
class TrendingProductAdmin(ReadOnlyAdmin):
    list_display = ("category", "rank", "product", "score", "model_version")
    list_filter = ("model_version", "category")
    list_select_related = ("product", "model_version")


@admin.register(ContentNeighbour)
class ContentNeighbourAdmin(ReadOnlyAdmin):
    list_display = ("source", "rank", "product", "score", "created_at")
    list_select_related = ("source", "product")


@admin.register(PlacementEvent)
class PlacementEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "kind", "placement", "version", "product", "user")
    list_filter = ("kind", "placement", "version")
    list_select_related = ("product", "user")

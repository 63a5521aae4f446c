"""Search in the admin: staff synonyms, and the searches shoppers made (read only)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ai_commerce.readonly_admin import ReadOnlyAdmin

from .models import SearchClick, SearchQuery, Synonym


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    list_display = ("word", "synonyms", "two_way")
    search_fields = ("word", "synonyms")


class SearchClickInline(admin.TabularInline):
    model = SearchClick
    fields = ("product", "position", "occurred_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SearchQuery)
class SearchQueryAdmin(ReadOnlyAdmin):
    list_display = ("query", "total", "clicked", "rescue", "did_you_mean", "ranker", "occurred_at")
    list_filter = ("rescue", "ranker")
    search_fields = ("query",)
    date_hierarchy = "occurred_at"
    inlines = [SearchClickInline]
    exclude = ("user",)

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(click_count=Count("clicks"))

    @admin.display(description=_("clicks"), ordering="click_count")
    def clicked(self, obj):
        return obj.click_count

"""Search in the admin: staff synonyms, the searches shoppers made (read only), and a preview of a query's results
as a chosen shopper (or an anonymous one) would see them, with why each matched."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
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

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [path("preview/", preview, name="ai_commerce_search_searchquery_preview"), *super().get_urls()]

    def preview_view(self, request):
        """``?q=&shopper=``: the results of ``q`` as the shopper (a user's id or username; empty: anonymous) sees
        them, ranked by what serves, with why each matched. Nothing is logged."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        from . import service, serving

        query = request.GET.get("q", "")[:200]
        who = request.GET.get("shopper", "").strip()[:150]
        shopper, error, page, taste = None, "", None, None
        if who:
            users = get_user_model()._default_manager
            field = get_user_model().USERNAME_FIELD
            shopper = (users.filter(pk=int(who)).first() if who.isdigit() else None) or users.filter(
                **{field: who}).first()
            if shopper is None:
                error = _("No user %(who)s: showing what an anonymous shopper sees.") % {"who": who}
        if query.strip():
            page = service.search(query, user=shopper, page_size=20, log=False)
            taste = service.taste(serving.state().index, shopper, None) if shopper is not None else None
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": _("Preview a search"),
                   "query": query, "who": who, "shopper": shopper, "error": error, "page": page,
                   "taste": sorted((taste or {}).get("categories", {}).items(), key=lambda kv: -kv[1])[:5]}
        return TemplateResponse(request, "admin/ai_commerce_search/preview.html", context)

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(click_count=Count("clicks"))

    @admin.display(description=_("clicks"), ordering="click_count")
    def clicked(self, obj):
        return obj.click_count

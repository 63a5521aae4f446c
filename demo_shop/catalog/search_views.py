"""The shop's search page, from ``ai_commerce.search`` (a module of its own, so that the catalogue's views import
nothing of ai_commerce and the shop runs without it)."""

from django.views.generic import TemplateView

from ai_commerce.search.views import SearchPageMixin


class SearchView(SearchPageMixin, TemplateView):
    """The shop's search page: ai_commerce.search's results, typo-tolerant, with a signed link per result."""

    template_name = "catalog/search.html"

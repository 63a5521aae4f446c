"""Search on a shop's own pages: ``SearchPageMixin`` for a view a shop routes to (its template gets
``search`` (a ``SearchPage`` whose results carry signed ``click_url``s), ``query`` and ``page_numbers``), and
``search_for_request`` for a view of its own."""

from django.views.generic import TemplateView

from . import clicks, service
from .api import product_url


def search_for_request(request, query, *, category=None, page=1, page_size=None, in_stock=None):
    """``service.search`` for the shopper of ``request``, each result with its signed ``click_url``."""
    user = request.user if request.user.is_authenticated else None
    session = None
    if user is None:
        if not request.session.session_key:
            request.session.save()
        session = request.session.session_key
    found = service.search(query, user=user, session_key=session, category=category, page=page,
                           page_size=page_size, in_stock=in_stock)
    who = clicks.visitor(user, session)
    for result in found.results:
        result.url = product_url(result.product)
        result.click_url = clicks.click_url(found.token, result.product.pk, result.position, result.url, who)
    return found


class SearchPageMixin:
    query_param = "q"
    page_size = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get(self.query_param, "")[:200]
        page = self.request.GET.get("page", "1")
        page = int(page) if page.isdigit() and 0 < int(page) <= 10_000 else 1
        found = search_for_request(self.request, query, page=page, page_size=self.page_size) if query.strip() \
            else None
        context.update(query=query, search=found)
        return context


class SearchPageView(SearchPageMixin, TemplateView):
    template_name = "ai_commerce_search/search_page.html"

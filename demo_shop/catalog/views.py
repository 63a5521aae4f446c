"""Shop pages of the catalog: the product list (home) and the product page."""

from django.db.models import Avg, Count, Prefetch, Q
from django.views.generic import DetailView, ListView, TemplateView

from ai_commerce.search.service import rerank
from ai_commerce.search.views import SearchPageMixin
from demo_shop.reviews.models import Review

from .models import Category, Product

REVIEWS_ON_PAGE = 20


class ProductListView(ListView):
    """Active products, optionally in one category (a parent category includes its children)."""

    template_name = "catalog/product_list.html"
    context_object_name = "products"
    paginate_by = 24

    def get_queryset(self):
        products = Product.objects.active().select_related("category")
        self.category = None
        slug = self.request.GET.get("category")
        if slug:
            self.category = Category.objects.filter(slug=slug).first()
            if self.category is None:
                return products.none()
            products = products.filter(Q(category=self.category) | Q(category__parent=self.category))
            # A category page: the same products, ordered for this shopper (ai_commerce.search), then paginated.
            user = self.request.user if self.request.user.is_authenticated else None
            return rerank(products.order_by("name", "pk"), user=user, session_key=self.request.session.session_key,
                          context="category", category=self.category.name)
        return products.order_by("name", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["categories"] = Category.objects.annotate(
            product_count=Count("products", filter=Q(products__is_active=True))
        ).filter(product_count__gt=0)
        context["current_category"] = self.category
        return context


class ProductDetailView(DetailView):
    """One active product with its latest published reviews and rating summary."""

    template_name = "catalog/product_detail.html"
    context_object_name = "product"

    def get_queryset(self):
        latest_reviews = Review.objects.published().select_related("author").order_by("-created_at", "-pk")
        return (
            Product.objects.active()
            .select_related("category", "category__parent")
            .prefetch_related(Prefetch("reviews", queryset=latest_reviews[:REVIEWS_ON_PAGE], to_attr="latest_reviews"))
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rating"] = (
            Review.objects.published().filter(product=self.object).aggregate(average=Avg("rating"), count=Count("pk"))
        )
        context["max_quantity"] = min(self.object.stock, 99)
        return context


class SearchView(SearchPageMixin, TemplateView):
    """The shop's search page: ai_commerce.search's results, typo-tolerant, with a signed link per result."""

    template_name = "catalog/search.html"

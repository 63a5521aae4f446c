"""Shop pages of the catalog: the product list (home) and the product page."""

from django.apps import apps
from django.db.models import Avg, Count, Prefetch, Q
from django.views.generic import DetailView, ListView

from demo_shop.reviews.models import Review

from .models import Category, Product

REVIEWS_ON_PAGE = 20


class ReRanked:
    """A listing re-ranked by id (``ai_commerce.search.rerank``), whose page's products are read when the paginator
    slices it: one query of ids for the whole listing, one of objects for the page."""

    def __init__(self, queryset, ids):
        self.queryset, self.ids = queryset, ids

    def __len__(self):
        return len(self.ids)

    def count(self):
        return len(self.ids)

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key:key + 1][0] if key >= 0 else self[len(self) + key]
        ids = self.ids[key]
        # Unordered: the listing's ordering (by name) would make the database sort rows it fetches by id.
        objects = {obj.pk: obj for obj in self.queryset.filter(pk__in=ids).order_by()}
        return [objects[pk] for pk in ids if pk in objects]


class ProductListView(ListView):
    """Active products, optionally in one category (a parent category includes its children), ordered for the
    shopper by ``ai_commerce.search.rerank`` (the shop's own order is by name; re-rank the ids, then paginate)."""

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
        if not apps.is_installed("ai_commerce.search"):  # the shop's own order, as without ai_commerce
            return products.order_by("name", "pk")
        from ai_commerce.search.service import rerank

        # The same products, ordered for this shopper (and the staff's rules for the listing), then paginated.
        user = self.request.user if self.request.user.is_authenticated else None
        ids = list(products.order_by("name", "pk").values_list("pk", flat=True))
        return ReRanked(products, rerank(ids, user=user, session_key=self.request.session.session_key,
                                         context="category" if self.category else "listing",
                                         category=self.category.name if self.category else ""))

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

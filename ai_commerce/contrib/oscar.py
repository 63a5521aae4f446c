"""django-oscar as a host shop, in one line of settings.

In the Oscar project's settings module, after Oscar's own settings::

    from ai_commerce.contrib import oscar as ai_oscar

    AI_COMMERCE_PRODUCT_MODEL = ai_oscar.PRODUCT_MODEL       # "catalogue.Product"
    AI_COMMERCE = ai_oscar.settings()                        # plain Oscar: it keeps no cost

    # A shop that added a cost, on a forked partner app's StockRecord or per product:
    AI_COMMERCE = ai_oscar.settings(cost="stockrecords__cost_price")

``settings()`` returns the whole ``AI_COMMERCE`` dict. Its keyword arguments are ``cost`` (a field path, or None),
``excluded_statuses`` (the order statuses of your ``OSCAR_ORDER_STATUS_PIPELINE`` that are not a purchase; Oscar
defines none, so the default names those of Oscar's sandbox, "Pending" and "Cancelled") and any other key of
``AI_COMMERCE``; a dict given for a key the preset sets (``PRODUCT_FIELDS``, ``SENTIMENT``, ...) is merged over the
preset's::

    AI_COMMERCE = ai_oscar.settings(LOCK_CACHE="redis", SENTIMENT={"MIN_REVIEWS": 500})

What it maps: ``catalogue.Product`` (title, description, ``is_public``, categories), the price and stock of its
``partner.StockRecord``, ``order.Line`` with its order's user, ``date_placed`` and status (guest orders have no
user), and ``reviews.ProductReview`` (score, title, body) with its status written back: 0 holds a flagged review for
moderation, 1 approves it, 2 rejects it, and shoppers see the approved ones. Prices on our tags are shown with
Oscar's ``currency`` filter (``format_price``).

``OscarAdapter`` reads a product as Oscar's default strategy sells it: the price (and a stock-record cost) of its
first stock record, and that record's net stock. A shop whose strategy chooses another record overrides
``OscarAdapter.get_stockrecord_queryset`` and names its subclass in ``ADAPTER``. Nothing of Oscar is imported here
at module level, so the settings module may import this one.

Search (``ai_commerce.search`` in ``INSTALLED_APPS``) ranks Oscar's category pages and search results for each
shopper without replacing them: in a forked ``catalogue`` app, re-rank the products Oscar found, then paginate::

    from ai_commerce.search.service import rerank

    class ProductCategoryView(oscar_views.ProductCategoryView):
        def get_context_data(self, **kwargs):
            context = super().get_context_data(**kwargs)   # haystack's (or Oscar's) page of products
            ids = [result.object.pk for result in context["page_obj"].object_list]
            context["reranked_ids"] = rerank(ids, user=self.request.user,
                                             session_key=self.request.session.session_key, context="category",
                                             category=self.category.name)
            return context

or serve ``ai_commerce.search.views.SearchPageView`` (typo-tolerant, learned ranking) at Oscar's search URL.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import F, IntegerField, Min, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, NullIf

from ai_commerce.adapter import ShopAdapter

PRODUCT_MODEL = "catalogue.Product"
#: The statuses of Oscar's sandbox pipeline that are no purchase (yet): awaiting payment, and cancelled.
EXCLUDED_STATUSES = ("Pending", "Cancelled")
#: ``ProductReview.status``: FOR_MODERATION = 0, APPROVED = 1, REJECTED = 2.
HOST_STATUS = {"flagged": 0, "approved": 1, "hidden": 2, "published": 1}
#: The reverse relation from Oscar's product to its stock records.
STOCKRECORDS = "stockrecords"


def settings(*, cost=None, excluded_statuses=EXCLUDED_STATUSES, **overrides):
    """Return ``AI_COMMERCE`` for a django-oscar shop: the preset, with ``cost`` mapped (None: the shop keeps no
    cost), ``excluded_statuses`` left out of purchases, and ``overrides`` (dicts merged over the preset's)."""
    preset = {
        "ADAPTER": "ai_commerce.contrib.oscar.OscarAdapter",
        "PRICE_FORMAT": "ai_commerce.contrib.oscar.format_price",
        "PRODUCT_FIELDS": {
            "title": "title",
            "description": "description",
            "price": "stockrecords__price",
            "cost": cost,
            "stock": "stockrecords__num_in_stock",
            "active": "is_public",
            "category": "categories__name",
            "created": "date_created",
        },
        "ORDER_LINE_MODEL": "order.Line",
        "ORDER_LINE_FIELDS": {
            "user": "order__user",
            "product": "product",
            "quantity": "quantity",
            "unit_price": "unit_price_excl_tax",
            "created": "order__date_placed",
            "order": "order",
            "status": "order__status",
        },
        "ORDER_STATUSES_EXCLUDED": tuple(excluded_statuses),
        # The placed order, for the assistant: a guest's order is found by its number and its guest e-mail, as
        # Oscar's own order-status page asks.
        "ORDER_MODEL": "order.Order",
        "ORDER_FIELDS": {"number": "number", "user": "user", "email": "guest_email", "status": "status",
                         "created": "date_placed"},
        "REVIEW_MODEL": "reviews.ProductReview",
        "REVIEW_FIELDS": {
            "user": "user",
            "product": "product",
            "rating": "score",
            "title": "title",
            "text": "body",
            "created": "date_created",
            "moderation_status": "status",
        },
        "SENTIMENT": {"HOST_STATUS": dict(HOST_STATUS)},
    }
    for key, value in overrides.items():
        preset[key] = {**preset[key], **value} if isinstance(value, dict) and isinstance(preset.get(key), dict) \
            else value
    return preset


def format_price(price):
    """Return ``price`` (a Decimal) as Oscar's ``currency`` filter shows it: ``OSCAR_DEFAULT_CURRENCY`` in the
    active language ("£12.00")."""
    from oscar.templatetags.currency_filters import currency

    return currency(price)


def _has_field(model, name):
    return any(field.name == name for field in model._meta.get_fields())


class OscarAdapter(ShopAdapter):
    """Read and write a django-oscar shop the way Oscar's default strategy (``UseFirstStockRecord``) sells it.

    * ``price``, and ``cost`` when it is a stock record field: the product's first stock record's, not the lowest
      over its records (the core rule for to-many paths);
    * ``stock``: that record's net stock, ``num_in_stock - num_allocated`` (``StockRecord.net_stock_level``);
    * ``title``: a child product's own title, or its parent's when it has none (``Product.get_title()``);
    * ``category``: the product's categories, or its parent's for a child product, which has none of its own;
    * a price is written to the first stock record alone, through its ``save()`` (``save_host_row``): its
      ``date_updated`` moves, and other partners' records keep their prices.

    "First" is the lowest id, the order in which the records were created. Oscar's own ``stockrecords.all()[0]``
    asks the database for no order, so with several records per product which one Oscar sells from is up to the
    database (on PostgreSQL an update of a record can move it behind the others). Oscar's default strategy is meant
    for one record per product; a shop with several partners uses a strategy that chooses, and overrides
    ``get_stockrecord_queryset`` to order the records the same way (e.g. ``order_by("price")`` for the cheapest).
    """

    product_template = "oscar/catalogue/detail.html"

    published_review_statuses = (HOST_STATUS["approved"],)

    def order_url(self, order):
        """A signed-in shopper's order page (``customer:order``); a guest's is Oscar's order-status page, which
        asks for the number and e-mail again, so it is not linked."""
        from django.urls import NoReverseMatch, reverse

        if getattr(order, "user_id", None) is None:
            return ""
        try:
            return reverse("customer:order", kwargs={"order_number": order.number})
        except NoReverseMatch:
            return ""

    def order_statuses(self):
        """The statuses of ``OSCAR_ORDER_STATUS_PIPELINE`` (and ``OSCAR_INITIAL_ORDER_STATUS``); None without one."""
        from django.conf import settings as django_settings

        pipeline = getattr(django_settings, "OSCAR_ORDER_STATUS_PIPELINE", None) or {}
        if not pipeline:
            return None
        statuses = {*pipeline, *(s for nexts in pipeline.values() for s in nexts)}
        initial = getattr(django_settings, "OSCAR_INITIAL_ORDER_STATUS", None)
        return sorted(statuses | ({initial} if initial else set()))

    def get_stockrecord_queryset(self):
        """Return the stock records, in the order the strategy prefers them: a product's first one is used."""
        return self.product_model._meta.get_field(STOCKRECORDS).related_model._default_manager.order_by("pk")

    def _on_stockrecord(self, attribute):
        """Return the mapped path of ``attribute`` when it is a field of the product's stock records, else None."""
        path = self.product_paths.get(attribute)
        if path is None or len(path.fields) != 2 or path.fields[0].name != STOCKRECORDS:
            return None
        return path

    def _first_stockrecords(self):
        product_field = self.product_model._meta.get_field(STOCKRECORDS).field.name
        return self.get_stockrecord_queryset().filter(**{product_field: OuterRef("pk")})

    def product_expression(self, attribute):
        path = self._on_stockrecord(attribute) if attribute in ("price", "cost", "stock") else None
        if path is not None:
            holder, name = path.last.model, path.last.name
            if attribute == "stock" and name == "num_in_stock" and _has_field(holder, "num_allocated"):
                net = Coalesce(F("num_in_stock"), 0) - Coalesce(F("num_allocated"), 0)
                value, output = net, IntegerField()
            else:
                value, output = F(name), path.last
            first = self._first_stockrecords().annotate(ai_value=value).values("ai_value")[:1]
            return Subquery(first, output_field=output)
        path = self.product_paths[attribute]
        has_parent = _has_field(self.product_model, "parent")
        if has_parent and attribute == "title" and path.path == "title":
            return Coalesce(NullIf(F("title"), Value("")), F("parent__title"))
        if has_parent and attribute == "category" and path.many:
            of_parent = self.product_model._default_manager.filter(pk=OuterRef("pk")).values("pk").annotate(
                value=Min(f"parent__{path.path}")).values("value")[:1]
            return Coalesce(super().product_expression(attribute), Subquery(of_parent, output_field=path.last))
        return super().product_expression(attribute)

    def set_price(self, product_id, price):
        """Write ``price`` to the product's first stock record (the one Oscar sells from), through its ``save()``.
        Return the number of rows written (0 when it already holds the price or the product has no record)."""
        path = self._on_stockrecord("price")
        if path is None:
            return super().set_price(product_id, price)
        if not isinstance(price, Decimal):
            raise TypeError(f"a price must be a Decimal, not {type(price).__name__}")
        product_field = self.product_model._meta.get_field(STOCKRECORDS).field.name
        name = path.last.name
        with transaction.atomic():
            record = self.get_stockrecord_queryset().select_for_update().filter(**{product_field: product_id}).first()
            if record is None or getattr(record, name) == price:
                return 0
            setattr(record, name, price)
            self.save_host_row(record, [name])
        return 1

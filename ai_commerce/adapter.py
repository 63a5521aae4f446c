"""The one seam to the host shop: the only code that knows the shop's models and field names.

Everything else in ai_commerce asks the adapter (``get_adapter()``) for products, order lines and reviews, and asks it
to write a price or a moderation status back. The default ``ShopAdapter`` is configured by settings::

    AI_COMMERCE_PRODUCT_MODEL = "catalog.Product"
    AI_COMMERCE = {
        "PRODUCT_FIELDS": {"title": "name", "price": "stockrecords__price", "category": "categories__name", ...},
        "ORDER_LINE_MODEL": "orders.OrderLine",
        "ORDER_LINE_FIELDS": {"user": "order__customer", "created": "order__created_at", ...},
        "REVIEW_MODEL": "reviews.Review",
        "REVIEW_FIELDS": {"user": "author", "text": "body", ...},
    }

A mapped value is a field name or a path through relations. When a product path crosses a to-many relation
(django-oscar keeps price and stock on several ``StockRecord`` rows, categories in a many-to-many), the rule is:

* ``price`` and ``cost``: the lowest value over the rows (what a shopper pays at best);
* ``stock``: the sum over the rows;
* ``active``: true if any row is true;
* anything else (``title``, ``category``, ...): the smallest value.

Writing a price through a to-many path sets it on every related row, so the rule above reads back the new price.
Prices and review statuses are written row by row through the shop's own ``save()`` (``save_host_row``), so its
signals fire and its derived fields follow.
A shop whose data differs more subclasses ``ShopAdapter`` and overrides a method or two, then names the subclass in
``AI_COMMERCE["ADAPTER"]``. All reads are bulk querysets, never one query per product.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property

from django.core.exceptions import FieldDoesNotExist
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Subquery, Sum
from django.dispatch import Signal, receiver

from .conf import PRODUCT_MODEL_SETTING, app_settings, get_model_setting, get_product_model

#: Sent with ``product_ids`` once ai_commerce's write to the shop's products (a price applied or rolled back) has
#: committed, so that whatever caches what a page shows (the served recommendation lists) learns of it even when
#: the price lives on another model than the product (a stock record).
products_written = Signal()
#: The attribute ``save_host_row`` sets on a row while it saves it (see ``is_our_write``).
OUR_WRITE = "_ai_commerce_write"


def is_our_write(instance):
    """Whether ``instance`` is being saved by ai_commerce's own write-back (a receiver may then skip re-scoring)."""
    return getattr(instance, OUR_WRITE, False)

PRODUCT_ATTRIBUTES = ("title", "description", "price", "cost", "stock", "active", "category", "created")
ORDER_ATTRIBUTES = ("number", "user", "email", "status", "created", "shipped", "tracking")
ORDER_LINE_ATTRIBUTES = ("user", "product", "quantity", "unit_price", "created", "order", "status")
REVIEW_ATTRIBUTES = ("user", "product", "rating", "title", "text", "created", "moderation_status", "incentivized")
#: Attributes without which a model cannot be read at all.
REQUIRED = {
    "PRODUCT_FIELDS": (),
    "ORDER_LINE_FIELDS": ("user", "product", "created"),
    "ORDER_FIELDS": ("user",),
    "REVIEW_FIELDS": ("user", "product", "rating", "created"),
}


class MappingError(ValueError):
    """A mapped field path does not resolve on its model."""


@dataclass(frozen=True)
class FieldPath:
    """A field name or ``a__b`` path from ``model``, resolved against the model's ``_meta``."""

    model: type
    path: str
    fields: tuple
    many: bool

    @classmethod
    def resolve(cls, model, path):
        """Return the resolved path, or raise MappingError naming the segment that does not exist."""
        fields, many, current = [], False, model
        for name in path.split("__"):
            if current is None:
                raise MappingError(f"{fields[-1].name!r} is not a relation, so {path!r} cannot continue past it")
            try:
                field = current._meta.get_field(name)
            except FieldDoesNotExist:
                choices = sorted(f.name for f in current._meta.get_fields())
                raise MappingError(
                    f"{current._meta.label} has no field {name!r} (path {path!r}); it has: {', '.join(choices)}"
                ) from None
            fields.append(field)
            many = many or bool(field.many_to_many or field.one_to_many)
            current = field.related_model if field.is_relation else None
        return cls(model, path, tuple(fields), many)

    @property
    def last(self):
        return self.fields[-1]

    def reverse_lookup(self):
        """Return the lookup from the model holding the last field back to ``self.model``'s primary key."""
        names = []
        for field in reversed(self.fields[:-1]):
            if field.auto_created and not field.concrete:  # a reverse relation: follow its forward field
                names.append(field.field.name)
            else:
                names.append(field.related_query_name())
        return "__".join([*names, "pk"]) if names else "pk"


@dataclass(frozen=True)
class OrderLineRow:
    pk: int
    user_id: int | None
    product_id: int | None
    quantity: int | None
    unit_price: Decimal | None
    created: datetime | None
    order_ref: str
    status: object = None  # the order's status, when the shop maps one


@dataclass(frozen=True)
class OrderRow:
    """A placed order as a shopper may ask about it; ``number`` is what the shopper quotes."""

    pk: int
    number: str
    user_id: int | None
    email: str
    status: object
    created: datetime | None
    shipped: datetime | None
    tracking: str
    url: str


@dataclass(frozen=True)
class ReviewRow:
    pk: int
    user_id: int | None
    product_id: int | None
    rating: int | None
    title: str
    text: str
    created: datetime | None
    moderation_status: str | None
    incentivized: bool | None = None  # None when the shop maps no such field


class ShopAdapter:
    """Read the host shop's products, order lines and reviews, and write prices and moderation back."""

    #: The host's product page template, when the host ships one that a shop overrides to show our tags (Oscar's
    #: ``oscar/catalogue/detail.html``): check ``ai_commerce.W008`` then says when no override is found. None: the
    #: shop writes its own product page, with our tags in it.
    product_template = None
    #: The review statuses (``REVIEW_FIELDS["moderation_status"]``) that shoppers see, when the host fixes them
    #: (django-oscar: approved, 1); None: the capability's own setting says (the assistant's
    #: ``PUBLISHED_REVIEW_STATUSES``).
    published_review_statuses = None

    def __init__(self):
        self.product_model = get_product_model()
        self.order_line_model = get_model_setting("ORDER_LINE_MODEL")
        self.review_model = get_model_setting("REVIEW_MODEL")
        self.order_model = get_model_setting("ORDER_MODEL")

    # -- mapping ---------------------------------------------------------------------------------------------
    @staticmethod
    def _resolve(model, mapping):
        return {attr: FieldPath.resolve(model, path) for attr, path in mapping.items() if path}

    @cached_property
    def product_paths(self):
        return self._resolve(self.product_model, app_settings.PRODUCT_FIELDS)

    @cached_property
    def order_line_paths(self):
        return self._resolve(self.order_line_model, app_settings.ORDER_LINE_FIELDS) if self.order_line_model else {}

    @cached_property
    def order_paths(self):
        return self._resolve(self.order_model, app_settings.ORDER_FIELDS) if self.order_model else {}

    @cached_property
    def review_paths(self):
        return self._resolve(self.review_model, app_settings.REVIEW_FIELDS) if self.review_model else {}

    def has(self, attribute):
        """Return whether the shop maps product ``attribute`` (e.g. "cost" or "stock")."""
        return attribute in self.product_paths

    def product_sources(self):
        """Return (models, many-to-many through models) whose rows the product attributes read: the product model
        and every model its mapped paths pass through (django-oscar's stock records, its category table). A save of
        any of them may change what a product page shows."""
        models, throughs = {self.product_model}, set()
        for path in self.product_paths.values():
            for field in path.fields:
                if field.is_relation and field.related_model is not None:
                    models.add(field.related_model)
                if field.many_to_many:
                    throughs.add(field.remote_field.through if field.concrete else field.through)
        return models, throughs

    # -- products --------------------------------------------------------------------------------------------
    def get_product_queryset(self):
        """Return every product ai_commerce may see (override to narrow it, e.g. to one site)."""
        return self.product_model._default_manager.all()

    def product_expression(self, attribute):
        """Return the ORM expression reading ``attribute`` for each product, by the rule for to-many paths."""
        field_path = self.product_paths[attribute]
        if not field_path.many:
            return F(field_path.path)
        inner = self.product_model._default_manager.filter(pk=OuterRef("pk"))
        if attribute == "active":
            return Exists(inner.filter(**{field_path.path: True}))
        aggregate = Sum if attribute == "stock" else Min
        per_product = inner.values("pk").annotate(value=aggregate(field_path.path)).values("value")[:1]
        return Subquery(per_product, output_field=field_path.last.target_field if field_path.last.is_relation
                        else field_path.last)

    def products(self, queryset=None, attributes=None):
        """Return the products annotated with ``ai_<attribute>`` for every mapped attribute (only the mapped
        ``attributes`` named, an iterable, when given: the others' joins cost a listing more than it reads)."""
        queryset = self.get_product_queryset() if queryset is None else queryset
        return queryset.annotate(**{f"ai_{a}": self.product_expression(a) for a in self.product_paths
                                    if attributes is None or a in attributes})

    def product_values(self, ids=None, attributes=None):
        """Return ``{product_id: {attribute: value}}`` for the given ids (all products when None), in one query;
        only the mapped ``attributes`` named when given, else every mapped one."""
        queryset = self.products(attributes=attributes)
        if ids is not None:
            queryset = queryset.filter(pk__in=list(ids))
        names = [f"ai_{a}" for a in self.product_paths if attributes is None or a in attributes]
        return {row["pk"]: {n[3:]: row[n] for n in names} for row in queryset.values("pk", *names)}

    def eligible(self, queryset=None):
        """Return the products a shopper can buy now: active and in stock, where the shop maps those."""
        queryset = self.products(queryset)
        if self.has("active"):
            queryset = queryset.filter(ai_active=True)
        if self.has("stock"):
            queryset = queryset.filter(ai_stock__gt=0)
        return queryset

    def get_price(self, product_id):
        """Return the current price of a product as a Decimal, or None when unknown."""
        value = self.products().filter(pk=product_id).values_list("ai_price", flat=True).first()
        return None if value is None else Decimal(value)

    def set_price(self, product_id, price):
        """Write ``price`` (a Decimal) to wherever the shop keeps it, through ``save_host_row``. Return the number of
        rows written."""
        if not isinstance(price, Decimal):
            raise TypeError(f"a price must be a Decimal, not {type(price).__name__}")
        return self._write(self.product_paths["price"], product_id, price)

    def save_host_row(self, instance, fields):
        """Save a row of the shop that ai_commerce changed (a price, a review status), through the shop's own
        ``save()``: its signals fire and what it derives follows (django-oscar's ``StockRecord.date_updated`` and
        ``Product.rating``). Only ``fields`` and the row's ``auto_now`` fields are written. Override it to write
        another way; ``is_our_write(instance)`` tells a receiver that the save is ours."""
        auto_now = [f.name for f in instance._meta.concrete_fields if getattr(f, "auto_now", False)]
        setattr(instance, OUR_WRITE, True)
        try:
            instance.save(update_fields=[*fields, *auto_now])
        finally:
            delattr(instance, OUR_WRITE)

    def _write(self, field_path, pk, value):
        """Set the field at the end of ``field_path`` to ``value`` on every row it reaches from ``pk``, row by row
        through ``save_host_row``, skipping rows that already hold it. Return how many were written."""
        holder, name = field_path.last.model, field_path.last.name
        written = 0
        with transaction.atomic():
            for row in holder._default_manager.select_for_update().filter(**{field_path.reverse_lookup(): pk}):
                if getattr(row, name) != value:
                    setattr(row, name, value)
                    self.save_host_row(row, [name])
                    written += 1
        return written

    # -- order lines and reviews -----------------------------------------------------------------------------
    def get_order_line_queryset(self):
        return self.order_line_model._default_manager.all()

    def get_review_queryset(self):
        return self.review_model._default_manager.all()

    @staticmethod
    def _rows(queryset, paths, attributes, pks, since, batch_size):
        if pks is not None:
            queryset = queryset.filter(pk__in=list(pks))
        if since is not None and "created" in paths:
            queryset = queryset.filter(**{f"{paths['created'].path}__gte": since})
        selected = {f"ai_{a}": F(paths[a].path) for a in attributes if a in paths}
        yield from queryset.order_by("pk").values("pk", **selected).iterator(chunk_size=batch_size)

    def order_lines(self, *, pks=None, since=None, batch_size=2000, demand_only=False):
        """Yield an ``OrderLineRow`` per order line, oldest id first; with ``demand_only``, not the lines of orders
        whose status is in ``ORDER_STATUSES_EXCLUDED`` (cancelled, refunded)."""
        if not self.order_line_model:
            return
        paths = self.order_line_paths
        queryset = self.get_order_line_queryset()
        excluded = list(app_settings.ORDER_STATUSES_EXCLUDED or ())
        if demand_only and excluded and "status" in paths:
            queryset = queryset.exclude(**{f"{paths['status'].path}__in": excluded})
        for row in self._rows(queryset, paths, ORDER_LINE_ATTRIBUTES, pks, since, batch_size):
            order = row.get("ai_order")
            yield OrderLineRow(
                pk=row["pk"],
                user_id=row.get("ai_user"),
                product_id=row.get("ai_product"),
                quantity=row.get("ai_quantity", 1),
                unit_price=row.get("ai_unit_price"),
                created=row.get("ai_created"),
                order_ref="" if order is None else str(order),
                status=row.get("ai_status"),
            )

    def purchases_of(self, user_ids, product_ids, batch_size=2000):
        """Yield an ``OrderLineRow`` per order line of these users for these products that counts as a purchase
        (``counts_as_purchase``), oldest id first: what review verification needs, in one query."""
        paths = self.order_line_paths
        if not self.order_line_model or not user_ids or not product_ids:
            return
        queryset = self.get_order_line_queryset().filter(**{
            f"{paths['user'].path}__in": list(user_ids), f"{paths['product'].path}__in": list(product_ids)})
        for row in self._rows(queryset, paths, ("user", "product", "created", "status"), None, None, batch_size):
            line = OrderLineRow(pk=row["pk"], user_id=row.get("ai_user"), product_id=row.get("ai_product"),
                                quantity=None, unit_price=None, created=row.get("ai_created"), order_ref="",
                                status=row.get("ai_status"))
            if self.counts_as_purchase(line):
                yield line

    def buyers_per_product(self, product_ids):
        """Return ``{product_id: distinct signed-in buyers}`` over the order lines that count as purchases (one
        grouped query): how well a product sells, for the review fraud signals."""
        paths = self.order_line_paths
        if not self.order_line_model or not product_ids:
            return {}
        queryset = self.get_order_line_queryset().filter(**{f"{paths['product'].path}__in": list(product_ids)})
        excluded = list(app_settings.ORDER_STATUSES_EXCLUDED or ())
        if excluded and "status" in paths:
            queryset = queryset.exclude(**{f"{paths['status'].path}__in": excluded})
        grouped = queryset.order_by().values(paths["product"].path).annotate(
            buyers=Count(paths["user"].path, distinct=True))
        return {row[paths["product"].path]: row["buyers"] for row in grouped}

    def get_order_queryset(self):
        return self.order_model._default_manager.all()

    def order_number(self, pk, number):
        """How an order is quoted: its mapped number, or ``#<pk>`` when the shop maps none."""
        return str(number) if number not in (None, "") else f"#{pk}"

    def orders(self, *, user_id=None, number=None, limit=20):
        """Return up to ``limit`` ``OrderRow``s, newest first: a user's orders (``user_id``), or the order quoted as
        ``number`` (its mapped number, case-insensitive, or ``#<pk>``/``<pk>`` when the shop maps none); both given:
        only that user's order of that number. Neither: none (this never lists every order)."""
        if not self.order_model or (user_id is None and not number):
            return []
        paths = self.order_paths
        queryset = self.get_order_queryset()
        if user_id is not None:
            queryset = queryset.filter(**{paths["user"].path: user_id})
        if number:
            number = str(number).strip()
            if "number" in paths:
                queryset = queryset.filter(**{f"{paths['number'].path}__iexact": number})
            else:
                digits = number.lstrip("#")
                if not (digits.isascii() and digits.isdigit()) or len(digits) > 18:
                    return []
                queryset = queryset.filter(pk=int(digits))
        if "created" in paths:
            queryset = queryset.order_by(f"-{paths['created'].path}", "-pk")
        selected = {f"ai_{a}": F(paths[a].path) for a in ORDER_ATTRIBUTES if a in paths}
        rows = list(queryset.annotate(**selected)[:limit])
        return [OrderRow(pk=row.pk, number=self.order_number(row.pk, getattr(row, "ai_number", None)),
                         user_id=getattr(row, "ai_user", None), email=getattr(row, "ai_email", None) or "",
                         status=getattr(row, "ai_status", None), created=getattr(row, "ai_created", None),
                         shipped=getattr(row, "ai_shipped", None), tracking=getattr(row, "ai_tracking", None) or "",
                         url=self.order_url(row)) for row in rows]

    def order_url(self, order):
        """The page of ``order`` (a row of ``ORDER_MODEL``) for its shopper, or "" when the shop has none."""
        try:
            return order.get_absolute_url()
        except Exception:  # noqa: BLE001  (a shop's get_absolute_url may need what a plain row lacks)
            return ""

    def order_items(self, order_pks):
        """Return ``{order_pk: [(product_id, quantity), ...]}`` for the given orders, in one query."""
        paths = self.order_line_paths
        if not self.order_line_model or "order" not in paths or not order_pks:
            return {}
        items = {}
        quantity = F(paths["quantity"].path) if "quantity" in paths else None
        queryset = self.get_order_line_queryset().filter(**{f"{paths['order'].path}__in": list(order_pks)})
        values = queryset.order_by("pk").values_list(paths["order"].path, paths["product"].path,
                                                    *([paths["quantity"].path] if quantity is not None else []))
        for order_pk, product_id, *qty in values:
            items.setdefault(order_pk, []).append((product_id, qty[0] if qty else 1))
        return items

    def counts_as_purchase(self, row):
        """Whether an ``OrderLineRow`` is demand: its order's status is not in ``ORDER_STATUSES_EXCLUDED``."""
        return row.status is None or row.status not in (app_settings.ORDER_STATUSES_EXCLUDED or ())

    def order_statuses(self):
        """The statuses an order can have, or None when the shop does not say: by default the choices of the mapped
        status field. Check ``ai_commerce.W009`` names an excluded status that is none of them."""
        path = self.order_line_paths.get("status")
        choices = getattr(path.last, "flatchoices", None) if path is not None else None
        return [str(value) for value, _label in choices] if choices else None

    def order_status_holder(self):
        """The model that holds the order's status when it is not the order line itself (django-oscar's ``Order``),
        and the lookup from an order line to it; (None, None) otherwise. A save of it may change which lines count."""
        path = self.order_line_paths.get("status")
        if path is None or len(path.fields) < 2:
            return None, None
        return path.last.model, path.path.rsplit("__", 1)[0]

    def reviews(self, *, pks=None, since=None, batch_size=2000, product_ids=None):
        """Yield a ``ReviewRow`` per review (only of ``product_ids`` when given), oldest id first."""
        if not self.review_model:
            return
        paths = self.review_paths
        queryset = self.get_review_queryset()
        if product_ids is not None:
            queryset = queryset.filter(**{f"{paths['product'].path}__in": list(product_ids)})
        for row in self._rows(queryset, paths, REVIEW_ATTRIBUTES, pks, since, batch_size):
            yield ReviewRow(
                pk=row["pk"],
                user_id=row.get("ai_user"),
                product_id=row.get("ai_product"),
                rating=row.get("ai_rating"),
                title=row.get("ai_title") or "",
                text=row.get("ai_text") or "",
                created=row.get("ai_created"),
                moderation_status=row.get("ai_moderation_status"),
                incentivized=None if "incentivized" not in paths else bool(row.get("ai_incentivized")),
            )

    def count_order_lines(self):
        return self.get_order_line_queryset().count() if self.order_line_model else 0

    def count_reviews(self):
        return self.get_review_queryset().count() if self.review_model else 0

    def set_moderation_status(self, review_pk, status):
        """Write a moderation status to the host's review, when the shop maps one. Return whether it did."""
        field_path = self.review_paths.get("moderation_status")
        if field_path is None:
            return False
        self._write(field_path, review_pk, status)
        return True


_adapter = None


def get_adapter():
    """Return the configured shop adapter (built once, rebuilt when the settings change)."""
    global _adapter
    if _adapter is None:
        _adapter = app_settings.import_class("ADAPTER")()
    return _adapter


@receiver(setting_changed)
def reset_adapter(*, setting=None, **kwargs):
    """Forget the adapter so that the next call builds one from the changed settings."""
    global _adapter
    if setting in (None, "AI_COMMERCE", PRODUCT_MODEL_SETTING):
        _adapter = None

"""Import the UCI Online Retail data set (Chen, Sain & Guo 2012; CC BY 4.0) into the demo shop.

Use it through ``manage.py import_online_retail PATH [--limit N]`` or call ``import_online_retail(path)``.

Mapping: one ``auth.User`` "retail-<CustomerID>" per customer, one ``Product`` per StockCode (name from
the latest description, price from the latest unit price, cost unknown and set to 60% of the price,
stock unknown and set to 100), a category from keywords in the description, one ``Order`` per
InvoiceNo (its ``reference``), one ``OrderLine`` per row, and a ``PriceHistory`` entry whenever a
product's most common unit price of the day changes.

Rows are skipped and counted when they are cancellations (InvoiceNo starting with "C"), have no
CustomerID, a Quantity <= 0, a UnitPrice <= 0 or a value that does not parse. The import is
idempotent: invoices and products that already exist are left alone.
"""

import csv
import datetime as dt
import gzip
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.text import slugify
from tqdm import tqdm

from demo_shop.catalog.models import Category, PriceHistory, Product
from demo_shop.orders.models import Order, OrderLine

COLUMNS = ("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country")
# Online Retail II (the 2009-2010 and 2010-2011 sheets) names three of them differently: a shop that downloads
# either file can import it as it is.
RENAMED = {"Invoice": "InvoiceNo", "Price": "UnitPrice", "Customer ID": "CustomerID"}
USERNAME_PREFIX = "retail-"
COST_SHARE = Decimal("0.6")
DEFAULT_STOCK = 100
BATCH_SIZE = 2000
CENT = Decimal("0.01")
MAX_PRICE = Decimal(100000000)  # Decimal(10, 2) holds up to 99,999,999.99
MAX_QUANTITY = Decimal(2147483648)  # a PositiveIntegerField is 32-bit on every database
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M")

PARENT_CATEGORY = ("Online Retail", "online-retail")
# First match wins; the order puts specific words before generic ones.
CATEGORY_KEYWORDS = (
    ("Christmas", ("CHRISTMAS", "XMAS", "ADVENT", "SANTA", "REINDEER", "SNOWFLAKE", "BAUBLE")),
    ("Candles & Lights", ("CANDLE", "T-LIGHT", "TLIGHT", "LANTERN", "LIGHTS", "LAMP", "NIGHT LIGHT")),
    ("Bags", ("BAG", "TOTE", "PURSE", "WALLET", "SHOPPER")),
    ("Jewellery & Accessories", ("NECKLACE", "EARRING", "BRACELET", " RING", "HAIR", "BROOCH", "UMBRELLA")),
    (
        "Kitchen & Dining",
        (
            "MUG",
            "CUP",
            "PLATE",
            "BOWL",
            " TEA",
            "CAKE",
            "BAKING",
            "LUNCH",
            "JAR",
            " TIN",
            "NAPKIN",
            "BOTTLE",
            "KITCHEN",
            "SPOON",
            "CUTLERY",
            "APRON",
            "COASTER",
            "TRAY",
        ),
    ),
    (
        "Stationery & Gift Wrap",
        (
            "CARD",
            "WRAP",
            "PAPER",
            "NOTEBOOK",
            "PENCIL",
            " PEN ",
            "STICKER",
            "TAPE",
            "RIBBON",
            "GIFT BAG",
            "ENVELOPE",
            "CALENDAR",
        ),
    ),
    (
        "Toys & Kids",
        ("TOY", "GAME", "CHILDREN", "CHILDS", "DOLL", "PLAYHOUSE", "SPACEBOY", "DOLLY", "JIGSAW", "CRAYON", "BALLOON"),
    ),
    ("Garden", ("GARDEN", "PLANT", "BIRD", "FLOWER POT", "WATERING")),
    (
        "Home Decor",
        (
            "SIGN",
            "FRAME",
            "CLOCK",
            "CUSHION",
            "DOORMAT",
            "HEART",
            "HOOK",
            "HANGER",
            "DECORATION",
            "MIRROR",
            "VASE",
            "BOX",
            "DRAWER",
            "WICKER",
            "HOLDER",
            "BUNTING",
            "ORNAMENT",
        ),
    ),
)
OTHER_CATEGORY = "Other"


class ImportFileError(Exception):
    """The file cannot be imported at all; the message says what to fix, in one line."""


@dataclass
class ImportResult:
    rows: int = 0
    valid_rows: int = 0
    skipped: Counter = field(default_factory=Counter)
    created: Counter = field(default_factory=Counter)

    def summary(self):
        created = ", ".join(f"{n} {label}" for label, n in self.created.items()) or "nothing"
        skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(self.skipped.items())) or "none"
        return f"Read {self.rows} rows, {self.valid_rows} valid. Imported {created}. Skipped rows: {skipped}."


@dataclass(frozen=True)
class Row:
    invoice: str
    stock_code: str
    description: str
    quantity: int
    when: dt.datetime
    unit_price: Decimal
    customer: str


def category_for(description):
    """Return the category name that a keyword rule gives a product description."""
    text = f" {description.upper()} "
    for name, keywords in CATEGORY_KEYWORDS:
        if any(keyword in text for keyword in keywords):
            return name
    return OTHER_CATEGORY


def _open_text(path):
    """Return the file's text, gunzipping it when it starts with the gzip magic bytes."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"file not found: {path}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ImportFileError(f"{path} looks gzipped but cannot be decompressed ({exc})") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _parse_date(value):
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return None


def _parse_customer(value):
    """Return the CustomerID as a string of digits ("17850.0" -> "17850"), "" when missing, None when bad."""
    if not value:
        return ""
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    if number != number.to_integral_value() or number <= 0:
        return None
    return str(int(number))


def parse_row(record):
    """Return ``(Row, None)`` for a row to import or ``(None, reason)`` for a row to skip."""
    invoice = (record.get("InvoiceNo") or "").strip()
    stock_code = (record.get("StockCode") or "").strip()
    if invoice.upper().startswith("C"):
        return None, "cancellation"
    if not invoice or not stock_code:
        return None, "missing invoice or stock code"
    try:
        quantity = Decimal((record.get("Quantity") or "").strip())
        unit_price = Decimal((record.get("UnitPrice") or "").strip())
    except InvalidOperation:
        return None, "unparseable number"
    if not (quantity.is_finite() and unit_price.is_finite()) or quantity != quantity.to_integral_value():
        return None, "unparseable number"
    if abs(unit_price) >= MAX_PRICE or abs(quantity) >= MAX_QUANTITY:
        return None, "unparseable number"
    customer = _parse_customer((record.get("CustomerID") or "").strip())
    if customer is None:
        return None, "unparseable number"
    when = _parse_date((record.get("InvoiceDate") or "").strip())
    if when is None:
        return None, "unparseable date"
    if not customer:
        return None, "missing CustomerID"
    if quantity <= 0:
        return None, "quantity <= 0"
    if unit_price <= 0:
        return None, "unit price <= 0"
    if unit_price.quantize(CENT) <= 0:
        return None, "unit price < 0.01"  # a price stored in cents would be zero
    description = " ".join((record.get("Description") or "").split())
    return Row(invoice, stock_code, description, int(quantity), when, unit_price.quantize(CENT), customer), None


def read_rows(path, limit=None, progress=False):
    """Parse the file; return ``(rows, result)`` with the valid rows and the counts so far.

    ``limit`` bounds the number of data rows read, rounded up to the end of the invoice being read, so
    that no invoice is imported half (a later run would skip the rest as "already imported").
    """
    text = _open_text(path)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [RENAMED.get(name.strip(), name.strip()) for name in (reader.fieldnames or [])]
    if not header:
        raise ImportFileError(f"{path} is empty; expected a CSV with the columns {', '.join(COLUMNS)}")
    reader.fieldnames = header
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise ImportFileError(
            f"{path} lacks the column(s) {', '.join(missing)}; "
            f"expected {', '.join(COLUMNS)} or Online Retail II's Invoice, Price, Customer ID "
            f"(found {', '.join(header)})"
        )
    result = ImportResult()
    rows = []
    last_invoice = None
    for record in tqdm(reader, desc="reading rows", unit="row", disable=not progress, leave=False):
        invoice = (record.get("InvoiceNo") or "").strip()
        if limit is not None and result.rows >= limit and invoice != last_invoice:
            break
        last_invoice = invoice
        result.rows += 1
        row, reason = parse_row(record)
        if row is None:
            result.skipped[reason] += 1
        else:
            rows.append(row)
    result.valid_rows = len(rows)
    return rows, result


def _bulk_create(model, objects, progress, desc):
    for offset in tqdm(range(0, len(objects), BATCH_SIZE), desc=desc, unit="batch", disable=not progress, leave=False):
        model.objects.bulk_create(objects[offset : offset + BATCH_SIZE])


def _existing(model, field_name, values, other="pk"):
    """Return ``[(value, other)]`` for the rows whose ``field_name`` is in ``values``, in chunks of 900
    values so that no query exceeds SQLite's bound on query parameters."""
    values = list(values)
    found = []
    for offset in range(0, len(values), 900):
        chunk = values[offset : offset + 900]
        found += model.objects.filter(**{f"{field_name}__in": chunk}).values_list(field_name, other)
    return found


def _make_slugs_unique(products):
    """Suffix "-2", "-3"... to slugs taken by another product ("85123A" and "85123a" slugify alike)."""
    taken = set(Product.objects.values_list("slug", flat=True))
    for product in products:
        base, n = product.slug, 1
        while product.slug in taken:
            n += 1
            product.slug = f"{base}-{n}"
        taken.add(product.slug)


def _categories():
    """Return ``{name: Category}`` for the import's categories, creating the missing ones."""
    parent, _ = Category.objects.get_or_create(slug=PARENT_CATEGORY[1], defaults={"name": PARENT_CATEGORY[0]})
    names = [name for name, _keywords in CATEGORY_KEYWORDS] + [OTHER_CATEGORY]
    categories = {}
    for name in names:
        categories[name], _ = Category.objects.get_or_create(
            slug=f"online-retail-{slugify(name)}", defaults={"name": name, "parent": parent}
        )
    return categories


def _price_changes(lines):
    """Return ``[(valid_from, price)]``: the start of each run of days with the same most common price."""
    by_day = defaultdict(Counter)
    first_seen = {}
    for when, price in lines:
        day = when.date()
        by_day[day][price] += 1
        first_seen.setdefault(day, when)
        first_seen[day] = min(first_seen[day], when)
    changes = []
    for day in sorted(by_day):
        # Most common price of the day, ties going to the lowest price so the result is deterministic.
        price = max(by_day[day].items(), key=lambda item: (item[1], -item[0]))[0]
        if not changes or changes[-1][1] != price:
            changes.append((first_seen[day], price))
    return changes


@transaction.atomic
def write_rows(rows, result, progress=False):
    """Create what the rows describe and does not exist yet; update ``result.created`` and skips."""
    User = get_user_model()
    existing_invoices = {ref for ref, _pk in _existing(Order, "reference", {row.invoice for row in rows})}
    new_rows = []
    for row in rows:
        if row.invoice in existing_invoices:
            result.skipped["already imported"] += 1
        else:
            new_rows.append(row)
    if not new_rows:
        return result

    # Customers.
    usernames = {f"{USERNAME_PREFIX}{row.customer}" for row in new_rows}
    users = dict(_existing(User, "username", usernames))
    unusable = make_password(None)
    first_seen = {}
    for row in new_rows:
        first_seen.setdefault(f"{USERNAME_PREFIX}{row.customer}", row.when)
    missing_users = sorted(usernames - users.keys())
    _bulk_create(
        User,
        [User(username=name, password=unusable, date_joined=first_seen[name]) for name in missing_users],
        progress,
        "customers",
    )
    result.created["customers"] += len(missing_users)
    if missing_users:
        users.update(_existing(User, "username", missing_users))

    # Products: name from the latest non-empty description, price from the latest unit price.
    first_sold, latest_price, latest_name = {}, {}, {}
    for row in new_rows:  # rows of a file are in time order, but do not rely on it
        sku = row.stock_code
        if sku not in first_sold or row.when < first_sold[sku]:
            first_sold[sku] = row.when
        if sku not in latest_price or row.when >= latest_price[sku][0]:
            latest_price[sku] = (row.when, row.unit_price)
        if row.description and (sku not in latest_name or row.when >= latest_name[sku][0]):
            latest_name[sku] = (row.when, row.description)
    products = dict(_existing(Product, "sku", first_sold.keys()))
    missing_products = sorted(first_sold.keys() - products.keys())
    if missing_products:
        categories = _categories()
        new_products = []
        for sku in missing_products:
            name = latest_name.get(sku, (None, sku))[1]
            price = latest_price[sku][1]
            new_products.append(
                Product(
                    sku=sku,
                    name=name[:255],
                    slug=slugify(f"{name[:200]} {sku}") or "product",
                    description="",
                    category=categories[category_for(name)],
                    price=price,
                    cost=(price * COST_SHARE).quantize(CENT),
                    stock=DEFAULT_STOCK,
                    is_active=True,
                    created_at=first_sold[sku],
                )
            )
        _make_slugs_unique(new_products)
        _bulk_create(Product, new_products, progress, "products")
        products.update(_existing(Product, "sku", missing_products))
    result.created["products"] += len(missing_products)

    # Orders, one per invoice, dated by its first row.
    invoice_rows = defaultdict(list)
    for row in new_rows:
        invoice_rows[row.invoice].append(row)
    orders = [
        Order(
            reference=invoice,
            customer_id=users[f"{USERNAME_PREFIX}{lines[0].customer}"],
            created_at=min(line.when for line in lines),
        )
        for invoice, lines in invoice_rows.items()
    ]
    _bulk_create(Order, orders, progress, "orders")
    order_ids = dict(_existing(Order, "reference", invoice_rows.keys()))
    result.created["orders"] += len(orders)

    lines = [
        OrderLine(
            order_id=order_ids[row.invoice],
            product_id=products[row.stock_code],
            quantity=row.quantity,
            unit_price=row.unit_price,
        )
        for row in new_rows
    ]
    _bulk_create(OrderLine, lines, progress, "order lines")
    result.created["order lines"] += len(lines)

    # Price history of the new lines, without repeating a start that is already recorded.
    sold = defaultdict(list)
    for row in new_rows:
        sold[row.stock_code].append((row.when, row.unit_price))
    known = set(_existing(PriceHistory, "product_id", [products[sku] for sku in sold], "valid_from"))
    history = []
    for sku, sales in sold.items():
        for valid_from, price in _price_changes(sales):
            if (products[sku], valid_from) not in known:
                history.append(PriceHistory(product_id=products[sku], price=price, valid_from=valid_from))
    _bulk_create(PriceHistory, history, progress, "price history")
    result.created["price history"] += len(history)
    return result


def import_online_retail(path, limit=None, progress=False):
    """Import the file; return an ``ImportResult``. Raise ``ImportFileError`` when nothing can be imported."""
    rows, result = read_rows(path, limit=limit, progress=progress)
    if not rows:
        reasons = ", ".join(f"{n} {reason}" for reason, n in result.skipped.most_common()) or "no data rows"
        raise ImportFileError(
            f"no row of {path} could be imported ({result.rows} rows read: {reasons}); "
            "rows need an InvoiceNo not starting with C, a CustomerID, Quantity > 0, UnitPrice > 0 "
            "and an InvoiceDate like 2010-12-01 08:26:00"
        )
    write_rows(rows, result, progress=progress)
    return result

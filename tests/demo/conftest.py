"""Fixtures of the demo shop suite: small catalogs, CSV builders and fast passwords."""

import csv
import gzip
import io
from decimal import Decimal

import pytest

from demo_shop.catalog.models import Category, Product

# Recommendations small enough to train in seconds, always served (the promotion gate has its own tests).
TINY_RECOMMENDATIONS = {"PARAMS": {"tt_epochs": 1, "tt_dim": 8, "candidates_per_source": 30, "ranker_iterations": 30},
                        "PROMOTION_TOLERANCE": 1.0}

#: Where the seeded history ends in tests that assert on what was simulated. The simulation's calendar (weekdays,
#: months) shapes its draws, so a history ending yesterday, the command's default, is a different shop on each day
#: the suite runs (on 2026-12-06 one had 4 held reviews where 5 were needed, another too little price signal to
#: promote pricing). Every window of ours follows the data, so a pinned history behaves the same on any date.
SEEDED_UNTIL = "2026-12-04"

RETAIL_COLUMNS = [
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def write_csv(tmp_path):
    """Return ``write(rows, name=..., gz=True, columns=RETAIL_COLUMNS)`` that writes a CSV and returns its path."""

    def write(rows, name="retail.csv.gz", gz=True, columns=RETAIL_COLUMNS):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        writer.writerows(rows)
        data = buffer.getvalue().encode("utf-8")
        path = tmp_path / name
        path.write_bytes(gzip.compress(data) if gz else data)
        return path

    return write


@pytest.fixture
def catalog(db):
    """Two categories under a parent and 30 active products, plus one inactive and one out of stock."""
    clothing = Category.objects.create(name="Clothing", slug="clothing")
    dresses = Category.objects.create(name="Dresses", slug="dresses", parent=clothing)
    home = Category.objects.create(name="Home", slug="home")
    products = []
    for i in range(30):
        category = dresses if i % 2 else home
        products.append(
            Product(
                sku=f"SKU-{i:03d}",
                name=f"Product {i:03d}",
                slug=f"product-{i:03d}",
                description="A product.",
                category=category,
                price=Decimal("10.00") + i,
                cost=Decimal("5.00"),
                stock=10,
            )
        )
    products.append(
        Product(
            sku="SKU-OFF",
            name="Hidden",
            slug="hidden",
            category=home,
            price=Decimal("9.99"),
            cost=Decimal("4.00"),
            stock=5,
            is_active=False,
        )
    )
    products.append(
        Product(
            sku="SKU-OUT",
            name="Sold out",
            slug="sold-out",
            category=home,
            price=Decimal("19.99"),
            cost=Decimal("9.00"),
            stock=0,
        )
    )
    Product.objects.bulk_create(products)
    return {"clothing": clothing, "dresses": dresses, "home": home}

"""import_online_retail: maps the UCI columns, skips bad rows with reasons, is idempotent, fails clearly."""

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from demo_shop.catalog.models import PriceHistory, Product
from demo_shop.orders.models import Order, OrderLine
from demo_shop.orders.online_retail import category_for

REAL_FILE = Path(os.environ.get("ONLINE_RETAIL_CSV", "/work/shared/data/online_retail.csv.gz"))
UTC = dt.UTC

GOOD = [
    [
        "536365",
        "85123A",
        "WHITE HANGING HEART T-LIGHT HOLDER",
        "6",
        "2010-12-01 08:26:00",
        "2.55",
        "17850.0",
        "United Kingdom",
    ],
    ["536365", "71053", "WHITE METAL LANTERN", "6", "2010-12-01 08:26:00", "3.39", "17850.0", "United Kingdom"],
    ["536366", "22633", "HAND WARMER UNION JACK", "6", "2010-12-01 08:28:00", "1.85", "17850.0", "United Kingdom"],
    # The same product later, cheaper: a price change, and the latest price wins.
    [
        "536370",
        "85123A",
        "WHITE HANGING HEART T-LIGHT HOLDER",
        "12",
        "2010-12-03 10:00:00",
        "2.95",
        "12583.0",
        "France",
    ],
    # The other date format of the UCI spreadsheet exports.
    ["536371", "22633", "HAND WARMER UNION JACK", "2", "12/5/2010 9:15", "1.65", "12583", "France"],
]
BAD = {
    "cancellation": [["C536379", "D", "Discount", "-1", "2010-12-01 09:41:00", "27.50", "14527.0", "United Kingdom"]],
    "missing CustomerID": [["536414", "22139", "", "56", "2010-12-01 11:52:00", "2.10", "", "United Kingdom"]],
    "quantity <= 0": [
        ["536380", "22961", "JAM MAKING SET PRINTED", "0", "2010-12-01 09:41:00", "1.45", "17809.0", "United Kingdom"],
        ["536381", "22961", "JAM MAKING SET PRINTED", "-4", "2010-12-01 09:41:00", "1.45", "17809.0", "United Kingdom"],
    ],
    "unit price <= 0": [
        ["536382", "22962", "JAM JAR WITH PINK LID", "3", "2010-12-01 09:45:00", "0", "17809.0", "United Kingdom"],
        [
            "536383",
            "22962",
            "JAM JAR WITH PINK LID",
            "3",
            "2010-12-01 09:45:00",
            "-11062.06",
            "17809.0",
            "United Kingdom",
        ],
    ],
    "unit price < 0.01": [
        ["536388", "PADS", "PADS TO MATCH ALL CUSHIONS", "1", "2011-09-25 14:58:00", "0.001", "15618.0", "UK"],
    ],
    "unparseable date": [["536384", "22963", "JAM JAR", "3", "yesterday", "0.85", "17809.0", "United Kingdom"]],
    "unparseable number": [
        ["536385", "22964", "JAM JAR", "three", "2010-12-01 09:45:00", "0.85", "17809.0", "United Kingdom"],
        ["536386", "22965", "JAM JAR", "3", "2010-12-01 09:45:00", "£0.85", "17809.0", "United Kingdom"],
        ["536387", "22966", "JAM JAR", "3", "2010-12-01 09:45:00", "0.85", "ABC", "United Kingdom"],
        ["536389", "22967", "JAM JAR", "6.5", "2010-12-01 09:45:00", "0.85", "17809.0", "United Kingdom"],
    ],
}


def run(path, *args):
    call_command("import_online_retail", str(path), *args, "--verbosity", "0")


def counts():
    return (
        get_user_model().objects.count(),
        Product.objects.count(),
        Order.objects.count(),
        OrderLine.objects.count(),
        PriceHistory.objects.count(),
    )


@pytest.mark.django_db
def test_import_maps_rows_and_skips_bad_ones_by_reason(write_csv, capsys):
    rows = GOOD[:2] + [row for bad in BAD.values() for row in bad] + GOOD[2:]
    path = write_csv(rows)
    call_command("import_online_retail", str(path), "--verbosity", "0")
    out = capsys.readouterr().out
    assert "Read 17 rows, 5 valid" in out
    for reason, bad in BAD.items():
        assert f"{len(bad)} {reason}" in out

    assert set(get_user_model().objects.values_list("username", flat=True)) == {"retail-17850", "retail-12583"}
    assert Order.objects.count() == 4
    order = Order.objects.get(reference="536365")
    assert order.customer.username == "retail-17850"
    assert order.created_at == dt.datetime(2010, 12, 1, 8, 26, tzinfo=UTC)
    assert [(line.product.sku, line.quantity, line.unit_price) for line in order.lines.order_by("pk")] == [
        ("85123A", 6, Decimal("2.55")),
        ("71053", 6, Decimal("3.39")),
    ]
    assert Order.objects.get(reference="536371").created_at == dt.datetime(2010, 12, 5, 9, 15, tzinfo=UTC)

    heart = Product.objects.get(sku="85123A")
    assert heart.name == "WHITE HANGING HEART T-LIGHT HOLDER"
    assert heart.price == Decimal("2.95")  # the latest unit price
    assert heart.cost == Decimal("1.77")  # unknown cost: 60% of the price
    assert heart.category.name == "Candles & Lights" and heart.category.parent.name == "Online Retail"
    assert list(heart.price_history.values_list("price", flat=True)) == [Decimal("2.55"), Decimal("2.95")]
    assert Product.objects.get(sku="22633").price == Decimal("1.65")
    assert not Product.objects.filter(sku__in=["22961", "22962", "D"]).exists()


@pytest.mark.django_db
def test_second_run_adds_nothing(write_csv, capsys):
    path = write_csv(GOOD + BAD["cancellation"])
    run(path)
    before = counts()
    call_command("import_online_retail", str(path), "--verbosity", "0")
    assert counts() == before
    assert "5 already imported" in capsys.readouterr().out
    # A later file with one new invoice adds only that invoice.
    run(
        write_csv(
            [
                *GOOD,
                [
                    "536400",
                    "71053",
                    "WHITE METAL LANTERN",
                    "1",
                    "2010-12-06 10:00:00",
                    "3.39",
                    "17850.0",
                    "United Kingdom",
                ],
            ],
            name="more.csv.gz",
        )
    )
    assert Order.objects.count() == before[2] + 1
    assert Product.objects.count() == before[1]


@pytest.mark.django_db
def test_compression_is_decided_by_content_not_name(write_csv):
    run(write_csv(GOOD[:2], name="plain_despite_name.csv.gz", gz=False))
    run(write_csv(GOOD[2:3], name="gzipped_despite_name.csv", gz=True))
    assert Order.objects.count() == 2


@pytest.mark.django_db
def test_limit_reads_whole_invoices(write_csv):
    run(write_csv(GOOD), "--limit", "1")
    assert Order.objects.count() == 1
    assert OrderLine.objects.count() == 2  # invoice 536365 is finished, not cut after its first row


@pytest.mark.django_db
def test_slug_clash_between_stock_codes_differing_in_case(write_csv):
    run(
        write_csv(
            [
                ["536365", "85123A", "WHITE HANGING HEART", "1", "2010-12-01 08:26:00", "2.55", "17850", "UK"],
                ["536365", "85123a", "WHITE HANGING HEART", "1", "2010-12-01 08:26:00", "2.55", "17850", "UK"],
            ]
        )
    )
    assert len(set(Product.objects.values_list("slug", flat=True))) == 2


def test_missing_file_is_a_one_line_error(tmp_path):
    missing = tmp_path / "nope.csv.gz"
    with pytest.raises(CommandError) as error:
        run(missing)
    assert str(error.value) == f"file not found: {missing}"


def test_wrong_columns_name_the_missing_ones(write_csv):
    path = write_csv([["1", "2", "3"]], columns=["InvoiceNo", "Sku", "Qty"])
    with pytest.raises(CommandError) as error:
        run(path)
    message = str(error.value)
    assert "StockCode" in message and "Quantity" in message and "CustomerID" in message
    assert "InvoiceNo, StockCode" in message and "\n" not in message


def test_empty_file_is_refused(write_csv, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        run(empty)


@pytest.mark.django_db
def test_all_bad_rows_fail_and_write_nothing(write_csv):
    path = write_csv([row for bad in BAD.values() for row in bad])
    with pytest.raises(CommandError) as error:
        run(path)
    message = str(error.value)
    assert message.startswith("no row of") and "CustomerID" in message and "\n" not in message
    assert counts() == (0, 0, 0, 0, 0)


def test_command_line_exits_non_zero_with_one_line(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "demo_shop.settings", "DEMO_DB_PATH": str(tmp_path / "db.sqlite3")}
    manage = Path(settings.BASE_DIR) / "manage.py"
    result = subprocess.run(
        [sys.executable, str(manage), "import_online_retail", str(tmp_path / "missing.csv")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == f"CommandError: file not found: {tmp_path / 'missing.csv'}"


def test_category_keywords():
    assert category_for("PAPER CHAIN KIT 50'S CHRISTMAS") == "Christmas"
    assert category_for("JUMBO BAG RED RETROSPOT") == "Bags"
    assert category_for("SET OF 3 CAKE TINS PANTRY DESIGN") == "Kitchen & Dining"
    assert category_for("MYSTERY ITEM") == "Other"


@pytest.mark.django_db
@pytest.mark.skipif(not REAL_FILE.exists(), reason=f"real data not found at {REAL_FILE}")
def test_real_file_first_2000_rows(capsys):
    call_command("import_online_retail", str(REAL_FILE), "--limit", "2000", "--verbosity", "0")
    out = capsys.readouterr().out
    assert "missing CustomerID" in out and "cancellation" in out
    assert Order.objects.count() > 50
    assert OrderLine.objects.count() > 1000
    assert Product.objects.filter(price__lte=0).count() == 0
    assert get_user_model().objects.filter(username__startswith="retail-").count() > 20
    before = counts()
    run(REAL_FILE, "--limit", "2000")
    assert counts() == before


@pytest.mark.django_db
def test_online_retail_ii_headers_import_the_same(write_csv):
    """Online Retail II names three columns Invoice, Price and Customer ID: the same rows import the same."""
    run(write_csv(GOOD))
    first = counts(), sorted(OrderLine.objects.values_list("order__reference", "product__sku", "quantity"))
    OrderLine.objects.all().delete()
    Order.objects.all().delete()
    columns = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"]
    run(write_csv(GOOD, name="retail_ii.csv.gz", columns=columns))
    again = counts(), sorted(OrderLine.objects.values_list("order__reference", "product__sku", "quantity"))
    assert again == first and first[1]


@pytest.mark.django_db
def test_real_online_retail_ii_file_first_2000_rows():
    call_command("import_online_retail", str(REAL_FILE.with_name("online_retail_ii_2009_2010.csv.gz")), "--limit",
                 "2000", "--verbosity", "0")
    assert OrderLine.objects.count() > 1000 and Order.objects.filter(created_at__year=2009).exists()

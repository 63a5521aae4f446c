"""The one-line preset on a real django-oscar shop: it passes every check, the adapter reads a product as Oscar's
default strategy sells it (first stock record, net stock, a child's parent title and categories), and a price
written back lands on that stock record through its save()."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import checks
from django.utils import timezone

from ai_commerce import checks as ai_checks
from ai_commerce.adapter import get_adapter
from ai_commerce.contrib import oscar as ai_oscar
from ai_commerce.contrib.oscar import OscarAdapter
from ai_commerce.prices import format_price
from tests.core.test_no_tensorflow import WEB_SCRIPT, run_guard
from tests.oscar.conftest import StockRecord
from tests.oscar.costs.models import ProductCost

pytestmark = pytest.mark.django_db


def ai_messages():
    return [m for m in checks.run_checks() if m.id and m.id.startswith("ai_commerce.")]


def test_the_preset_passes_every_check():
    assert ai_messages() == []


def test_the_preset_is_one_dict_that_takes_a_cost_and_merges_overrides():
    plain = ai_oscar.settings()
    assert plain["ADAPTER"] == "ai_commerce.contrib.oscar.OscarAdapter"
    assert plain["PRODUCT_FIELDS"]["cost"] is None and plain["PRODUCT_FIELDS"]["price"] == "stockrecords__price"
    assert plain["ORDER_LINE_FIELDS"]["status"] == "order__status"
    assert plain["ORDER_STATUSES_EXCLUDED"] == ("Pending", "Cancelled")
    assert plain["SENTIMENT"]["HOST_STATUS"] == {"flagged": 0, "approved": 1, "hidden": 2, "published": 1}
    tuned = ai_oscar.settings(cost="unit_cost__amount", excluded_statuses=["Cancelled"], LOCK_CACHE="locks",
                              SENTIMENT={"MIN_REVIEWS": 500}, PRODUCT_FIELDS={"active": None})
    assert tuned["PRODUCT_FIELDS"]["cost"] == "unit_cost__amount" and tuned["PRODUCT_FIELDS"]["active"] is None
    assert tuned["PRODUCT_FIELDS"]["title"] == "title"  # merged over the preset's, not replacing it
    assert tuned["SENTIMENT"] == {"HOST_STATUS": plain["SENTIMENT"]["HOST_STATUS"], "MIN_REVIEWS": 500}
    assert tuned["ORDER_STATUSES_EXCLUDED"] == ("Cancelled",) and tuned["LOCK_CACHE"] == "locks"
    assert plain["PRODUCT_FIELDS"]["active"] == "is_public"  # the preset itself is never changed


def test_mapping_a_cost_that_plain_oscar_lacks_says_that_none_is_the_way_out(settings):
    settings.AI_COMMERCE = ai_oscar.settings(cost="stockrecords__cost_price")
    [message] = ai_checks.check_field_mappings()
    assert message.id == "ai_commerce.E004" and "'cost_price'" in message.msg
    assert '"cost": None' in message.hint and "django-oscar" in message.hint


def test_the_adapter_reads_products_as_oscars_default_strategy_sells_them(shop):
    adapter = get_adapter()
    assert isinstance(adapter, OscarAdapter)
    values = adapter.product_values([shop.two_records.pk, shop.sold_out.pk, shop.hidden.pk, shop.child.pk])
    # Two stock records (20.00 from the first partner, then 15.00): Oscar sells at the first one's price.
    created = values[shop.two_records.pk].pop("created")  # Oscar's date_created, for "new within N days"
    assert created == type(shop.two_records).objects.get(pk=shop.two_records.pk).date_created
    assert values[shop.two_records.pk] == {"title": "Staple 0", "description": "A staple 0.", "price": Decimal("20.00"),
                                           "stock": 50, "active": True, "category": "Tea"}
    assert values[shop.sold_out.pk]["stock"] == 0  # 5 in stock, 5 allocated: net_stock_level
    assert values[shop.hidden.pk]["active"] is False
    child = values[shop.child.pk]
    assert (child["title"], child["category"], child["price"], child["stock"]) == ("Teapot", "Tea",
                                                                                   Decimal("30.00"), 7)
    eligible = set(adapter.eligible().values_list("pk", flat=True))
    assert shop.two_records.pk in eligible and shop.child.pk in eligible
    assert not {shop.sold_out.pk, shop.hidden.pk, shop.parent.pk} & eligible  # a parent has no stock record


def test_the_price_read_is_the_price_oscars_default_strategy_sells_at(shop):
    from oscar.apps.partner.strategy import Default

    # Not the product with two stock records: Oscar asks for its first one in no order (see OscarAdapter).
    for product in [shop.child, *shop.staples[1:3], shop.tail["Tea"][0]]:
        info = Default().fetch_for_product(product)
        assert get_adapter().get_price(product.pk) == info.price.excl_tax


def test_every_product_is_read_in_one_query_and_plain_oscar_has_no_cost(shop, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        values = get_adapter().product_values()
    assert len(values) >= 30 and not get_adapter().has("cost")
    assert all("cost" not in row for row in values.values())


def test_a_shop_with_a_cost_field_maps_it(shop, settings):
    settings.AI_COMMERCE = ai_oscar.settings(cost="unit_cost__amount")
    ProductCost.objects.create(product=shop.staples[1], amount=Decimal("8.00"))
    assert ai_messages() == []
    values = get_adapter().product_values([shop.staples[1].pk, shop.staples[2].pk])
    assert values[shop.staples[1].pk]["cost"] == Decimal("8.00") and values[shop.staples[2].pk]["cost"] is None


def test_a_price_written_back_lands_on_the_first_stock_record_through_its_save(shop):
    first, second = StockRecord.objects.filter(product=shop.two_records).order_by("pk")
    StockRecord.objects.filter(pk=first.pk).update(date_updated=timezone.now() - dt.timedelta(days=3))
    before = StockRecord.objects.get(pk=first.pk).date_updated
    assert get_adapter().set_price(shop.two_records.pk, Decimal("18.50")) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.price, second.price) == (Decimal("18.50"), Decimal("15.00"))  # the other partner's price stays
    assert first.date_updated > before  # saved by its own save(): auto_now moved
    assert get_adapter().get_price(shop.two_records.pk) == Decimal("18.50")
    assert get_adapter().set_price(shop.two_records.pk, Decimal("18.50")) == 0  # unchanged: not written again


def test_prices_are_shown_with_oscars_currency_filter():
    assert ai_oscar.format_price(Decimal(12)) == "£12.00"
    assert format_price(Decimal("12.0000000")) == "£12.00"  # through AI_COMMERCE["PRICE_FORMAT"]


def test_the_oscar_web_process_loads_no_model_library():
    result = run_guard("tests.oscar_settings", WEB_SCRIPT)
    assert result.returncode == 0, result.stderr

"""The shop seam, against a host whose price, cost and stock live on several stock records (as django-oscar's)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from ai_commerce.adapter import FieldPath, MappingError, ShopAdapter, get_adapter, is_our_write
from tests.althost.models import Feedback, Item, SaleLine, StockRecord
from tests.factories import (
    FeedbackFactory,
    ItemFactory,
    PurchaseFactory,
    SaleLineFactory,
    SectionFactory,
    StockRecordFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def item():
    item = ItemFactory(label="Linen shirt", summary="Cool")
    item.sections.add(SectionFactory(name="Tops"), SectionFactory(name="Summer"))
    StockRecordFactory(item=item, partner="a", price_excl_tax=Decimal("30.00"), cost_price=Decimal("12.00"),
                       num_in_stock=2)
    StockRecordFactory(item=item, partner="b", price_excl_tax=Decimal("27.50"), cost_price=Decimal("14.00"),
                       num_in_stock=3)
    return item


def test_reads_mapped_fields_by_the_rule_for_several_rows(item):
    values = get_adapter().product_values([item.pk])[item.pk]
    assert values == {
        "title": "Linen shirt",
        "description": "Cool",
        "price": Decimal("27.50"),  # lowest over the stock records
        "cost": Decimal("12.00"),
        "stock": 5,  # summed
        "active": True,
        "category": "Summer",  # smallest of the many-to-many values
        "created": None,  # mapped (``added``), not set on this item
    }


def test_reads_only_the_attributes_asked_for(item):
    assert get_adapter().product_values([item.pk], {"stock", "category"}) == {item.pk: {"stock": 5,
                                                                                    "category": "Summer"}}
    assert get_adapter().product_values([item.pk], ()) == {item.pk: {}}


def test_reading_many_products_is_one_query(item, django_assert_num_queries):
    for _ in range(20):
        StockRecordFactory()
    with django_assert_num_queries(1):
        values = get_adapter().product_values()
    assert len(values) == 21


def test_eligible_excludes_unlisted_and_out_of_stock(item):
    sold_out = StockRecordFactory(num_in_stock=0).item
    hidden = StockRecordFactory(item=ItemFactory(listed=False)).item
    no_records = ItemFactory()
    eligible = set(get_adapter().eligible().values_list("pk", flat=True))
    assert item.pk in eligible
    assert not eligible & {sold_out.pk, hidden.pk, no_records.pk}


def test_get_and_set_price_through_the_relation(item):
    adapter = get_adapter()
    assert adapter.get_price(item.pk) == Decimal("27.50")
    assert adapter.set_price(item.pk, Decimal("25.00")) == 2  # every stock record of the item
    assert set(StockRecord.objects.filter(item=item).values_list("price_excl_tax", flat=True)) == {Decimal("25.00")}
    assert adapter.get_price(item.pk) == Decimal("25.00")
    other = StockRecordFactory(price_excl_tax=Decimal("9.99"))
    assert adapter.get_price(other.item_id) == Decimal("9.99")  # untouched


def test_set_price_refuses_floats(item):
    with pytest.raises(TypeError, match="Decimal"):
        get_adapter().set_price(item.pk, 25.0)


def test_order_lines_follow_paths():
    line = SaleLineFactory(qty=3, each_price=Decimal("4.50"))
    [row] = get_adapter().order_lines()
    assert (row.pk, row.user_id, row.product_id, row.quantity, row.unit_price, row.order_ref) == (
        line.pk, line.purchase.buyer_id, line.article_id, 3, Decimal("4.50"), str(line.purchase_id))
    assert row.created == line.purchase.placed_on


def test_order_lines_since_and_pks():
    old = SaleLineFactory(purchase=PurchaseFactory(placed_on=timezone.now() - timezone.timedelta(days=10)))
    new = SaleLineFactory()
    adapter = get_adapter()
    assert [r.pk for r in adapter.order_lines(since=timezone.now() - timezone.timedelta(days=1))] == [new.pk]
    assert [r.pk for r in adapter.order_lines(pks=[old.pk])] == [old.pk]
    assert adapter.count_order_lines() == SaleLine.objects.count() == 2


def test_reviews_and_moderation_write_back():
    review = FeedbackFactory(stars=2, headline="Meh", comment="Too small")
    adapter = get_adapter()
    [row] = adapter.reviews()
    assert (row.user_id, row.product_id, row.rating, row.title, row.text, row.moderation_status) == (
        review.reviewer_id, review.item_id, 2, "Meh", "Too small", "visible")
    assert adapter.set_moderation_status(review.pk, "held") is True
    assert Feedback.objects.get(pk=review.pk).state == "held"


def test_moderation_is_written_through_the_shops_save_any_value_even_0_and_only_when_it_changes(settings):
    from django.db.models.signals import post_save

    settings.AI_COMMERCE = {**settings.AI_COMMERCE,
                            "REVIEW_FIELDS": {**settings.AI_COMMERCE["REVIEW_FIELDS"], "moderation_status": "approval"}}
    review = FeedbackFactory()
    saves = []

    def on_save(sender, instance, update_fields=None, **kwargs):
        saves.append((instance.approval, sorted(update_fields), is_our_write(instance)))

    post_save.connect(on_save, sender=Feedback)
    try:
        adapter = get_adapter()
        assert adapter.set_moderation_status(review.pk, 0) is True
        assert adapter.set_moderation_status(review.pk, 0) is True  # already 0: no second save
    finally:
        post_save.disconnect(on_save, sender=Feedback)
    assert Feedback.objects.get(pk=review.pk).approval == 0
    assert saves == [(0, ["approval"], True)] and not is_our_write(review)


def test_moderation_without_a_mapped_status(settings):
    review = FeedbackFactory()
    settings.AI_COMMERCE = {**settings.AI_COMMERCE,
                            "REVIEW_FIELDS": {**settings.AI_COMMERCE["REVIEW_FIELDS"], "moderation_status": None}}
    assert get_adapter().set_moderation_status(review.pk, "held") is False


def test_unresolvable_path_raises_mapping_error():
    with pytest.raises(MappingError, match="has no field 'nope'"):
        FieldPath.resolve(Item, "stockrecords__nope")


def test_a_subclass_overrides_one_method(settings, item):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "ADAPTER": "tests.core.test_adapter.OnlySectionTops"}
    hidden = StockRecordFactory().item
    assert set(get_adapter().eligible().values_list("pk", flat=True)) == {item.pk}
    assert hidden.pk not in get_adapter().product_values()


class OnlySectionTops(ShopAdapter):
    def get_product_queryset(self):
        return super().get_product_queryset().filter(sections__name="Tops")

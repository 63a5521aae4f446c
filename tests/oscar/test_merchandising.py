"""Merchandising on the Oscar shop through the one-line preset: a staff rule reads Oscar's own rows (its products,
its categories, its stock records net of allocations) on search results and category listings alike."""

import pytest

from ai_commerce.merchandising.models import Rule
from ai_commerce.search.service import rerank, search

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_search_index")]


def rule(**fields):
    made = Rule(name=f"{fields['action']} rule", **fields)
    made.full_clean()
    made.save()
    return made


def test_a_pinned_oscar_product_leads_its_search_and_says_featured(shop):
    pinned = shop.staples[5]  # in Home & Garden: pinned on a query its title does not lead
    rule(action="pin", product=pinned, position=1, query="staple 2")
    page = search("staple 2", log=False)
    assert page.results[0].product.pk == pinned.pk and page.results[0].featured
    assert any(r.product.pk == shop.staples[2].pk and not r.featured for r in page.results)
    assert search("staple 3", log=False).results[0].product.pk != pinned.pk  # another query: no rule


def test_an_oscar_category_listing_hides_what_its_stock_records_cannot_sell(shop):
    from oscar.apps.catalogue.models import Product

    listing = list(Product.objects.filter(categories=shop.tea).values_list("pk", flat=True))
    assert shop.sold_out.pk in listing
    rule(action="hide", stock_level=1, surfaces=["listing"], category="Tea")
    rule(action="pin", product=shop.staples[4], position=1, surfaces=["listing"], category="Tea")
    arranged = rerank(listing, context="category", category="Tea")
    # 5 in stock, 5 allocated: Oscar cannot sell it, and the rule hides it; the pinned staple leads; none else is lost.
    assert shop.sold_out.pk not in arranged and arranged[0] == shop.staples[4].pk
    assert sorted(arranged) == sorted(pk for pk in listing if pk != shop.sold_out.pk)
    # The rule is scoped to Tea: another category's listing keeps the sold-out product.
    assert shop.sold_out.pk in rerank(listing, context="category", category="Home & Garden")

"""Merchandising in a real browser (chromium headless via playwright, against a live server): staff pin a product
in the admin, preview the rule before saving it, save it, and the shopper's home page shows the product first with
"Featured". Screenshots under ``artifacts/browser/``."""

from decimal import Decimal

import pytest

from tests.demo.test_browser import browser, login, page, shot  # noqa: F401  (the fixtures)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
NAMES = ["Speckled Stoneware Mug", "Striped Linen Cushion Cover", "Scented Soy Wax Candle", "Ribbed Cotton Tank Top",
         "Classic Leather Loafers", "Speckled Ceramic Vase", "Woven Seagrass Basket", "Enamel Camping Mug"]


@pytest.fixture
def shop(db):
    from django.contrib.auth import get_user_model
    from django.core.cache import caches

    from demo_shop.catalog.models import Category, Product

    caches["default"].clear()
    home = Category.objects.create(name="Home", slug="home")
    products = [Product.objects.create(sku=f"M{i}", name=name, slug=name.lower().replace(" ", "-"), category=home,
                                       description=f"{name}, made well.", price=Decimal("20.00"),
                                       cost=Decimal("8.00"), stock=5) for i, name in enumerate(NAMES)]
    get_user_model().objects.create_superuser("admin", "admin@example.com", "admin")
    return products


def test_staff_pin_a_product_preview_it_and_the_shopper_sees_it_first_featured(page, live_server, shop):  # noqa: F811
    from ai_commerce.merchandising.models import Rule, RuleChange

    basket = next(p for p in shop if p.name == "Woven Seagrass Basket")
    page.goto(f"{live_server.url}/")
    before = page.locator(".ai-recommended .ai-item a").first.inner_text()
    assert before != basket.name  # the catalogue's order puts it last

    login(page, live_server)
    page.goto(f"{live_server.url}/admin/ai_commerce_merchandising/rule/add/")
    page.fill("#id_name", "Basket first")
    page.select_option("#id_action", "pin")
    page.fill("#id_product", str(basket.pk))
    page.fill("#id_position", "1")
    page.select_option("#id_preview_surface", "recommended")
    with page.context.expect_page() as opened:
        page.click("#ai-preview-rule")
    preview = opened.value
    preview.wait_for_selector("#ai-rule-preview")
    first = preview.locator("#ai-rule-preview tbody tr").first
    cells = first.locator("td")
    assert basket.name not in cells.nth(1).inner_text()  # without the rule
    assert basket.name in cells.nth(2).inner_text() and "Featured" in cells.nth(2).inner_text()  # with it
    shot(preview, "merchandising_preview")
    assert not Rule.objects.exists()  # a preview saves nothing
    preview.close()

    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    rule = Rule.objects.get()
    assert rule.product_id == basket.pk and RuleChange.objects.get(rule=rule).changed_by.username == "admin"

    shopper = page.context.browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    shopper.goto(f"{live_server.url}/")
    item = shopper.locator(".ai-recommended .ai-item").first
    assert item.locator("a").inner_text() == basket.name
    assert item.locator(".ai-reason").inner_text() == "Featured"
    shot(shopper, "merchandising_shopper_home")
    shopper.context.close()

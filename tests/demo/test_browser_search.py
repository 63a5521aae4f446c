"""Search in a real browser (chromium headless via playwright, against a live server): a shopper types a misspelled
query in the demo's search box, sees the right product, clicks it, and the admin's search analytics show the query
and the click. Screenshots under ``artifacts/browser/``."""

from decimal import Decimal

import pytest

from tests.demo.test_browser import browser, page, shot  # noqa: F401  (the fixtures)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
NAMES = ["Speckled Stoneware Mug", "Striped Linen Cushion Cover", "Scented Soy Wax Candle", "Ribbed Cotton Tank Top",
         "Classic Leather Loafers", "Speckled Ceramic Vase"]


@pytest.fixture
def shop(db):
    from django.contrib.auth import get_user_model

    from ai_commerce.search import serving
    from demo_shop.catalog.models import Category, Product

    home = Category.objects.create(name="Home", slug="home")
    for i, name in enumerate(NAMES):
        Product.objects.create(sku=f"S{i}", name=name, slug=name.lower().replace(" ", "-"), category=home,
                               description=f"{name}, made well.", price=Decimal("20.00"), cost=Decimal("8.00"),
                               stock=5)
    get_user_model().objects.create_superuser("admin", "admin@example.com", "admin")
    serving.reset()
    yield
    serving.reset()


def test_a_misspelled_search_finds_the_product_and_the_admin_sees_query_and_click(page, live_server, shop):  # noqa: F811
    page.goto(f"{live_server.url}/")
    page.fill(".ai-search-box input[name=q]", "speckld mug")
    page.press(".ai-search-box input[name=q]", "Enter")
    page.wait_for_selector(".ai-search-result")
    assert "Did you mean speckled mug?" in page.locator(".ai-did-you-mean").inner_text()
    first = page.locator(".ai-search-result a").first
    assert first.inner_text() == "Speckled Stoneware Mug"
    assert "speckled (1 typo)" in page.locator(".ai-search-why").first.inner_text()
    shot(page, "search_misspelled_results")
    first.click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "Speckled Stoneware Mug"

    from ai_commerce.search.models import SearchClick

    assert SearchClick.objects.get().position == 1
    page.goto(f"{live_server.url}/admin/login/?next=/admin/ai_commerce/dashboard/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "admin")
    page.click("input[type=submit]")
    panel = page.locator("#ai-search")
    panel.wait_for()
    top = panel.locator(".ai-search-top").inner_text()
    # searches, clicks, click-through, then basket or order, orders, conversion (the shopper bought nothing)
    assert "speckld mug\t1\t1\t100%\t0\t0\t0%" in top
    assert panel.locator(".ai-search-chart svg").count() == 2  # click-through by position, conversion by query
    shot(page, "admin_dashboard_with_search")
    from tests.demo.test_browser import ARTIFACTS

    panel.screenshot(path=str(ARTIFACTS / "admin_search_analytics.png"))

    # Staff preview a query as an anonymous shopper would see it, with why each result matched; nothing is logged.
    panel.locator(".ai-search-preview-link").click()
    page.fill(".ai-search-preview-form input[name=q]", "speckld")
    page.click(".ai-search-preview-form input[type=submit]")
    page.wait_for_selector(".ai-search-preview-result")
    rows = page.locator(".ai-search-preview-result").all_inner_texts()
    assert len(rows) == 2 and all("speckled (1 typo)" in row for row in rows)
    assert "Did you mean: speckled" in page.locator("#content-main").inner_text()
    shot(page, "admin_search_preview")
    from ai_commerce.search.models import SearchQuery

    assert SearchQuery.objects.count() == 1

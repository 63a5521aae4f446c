"""Review trust in a real browser (chromium headless via playwright, as tests/demo/test_browser.py): a demo product
page's summary numbers open the reviews they count, and its link opens the review-policy page."""

import re

import pytest
from django.core.management import call_command

from tests.demo.conftest import SEEDED_UNTIL
from tests.demo.test_browser import browser, page, shot  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def scored_shop():
    """A small demo shop whose reviews are scored (the lexicon cold start: no training needed)."""
    from ai_commerce.sentiment.models import ProductSentiment
    from demo_shop.catalog.models import Product

    call_command("demo_seed", seed=5, products=20, customers=120, order_lines=2500, days=200, end_date=SEEDED_UNTIL)
    call_command("ai_commerce_score_reviews")
    return Product.objects.get(pk=ProductSentiment.objects.order_by("-review_count").first().product_id)


def test_a_summary_number_opens_its_reviews_and_the_policy_opens_from_the_product_page(page, live_server,  # noqa: F811
                                                                                        scored_shop):
    page.goto(f"{live_server.url}{scored_shop.get_absolute_url()}")
    basis = page.locator(".ai-sentiment-basis").inner_text()
    assert re.match(r"From \d+ reviews \(\d+ by verified buyers\)\.", basis)
    shot(page, "review_trust_product_page")
    link = page.locator("a.ai-count").first
    count = int(link.get_attribute("data-count"))
    link.click()
    page.wait_for_selector("#ai-reviews")
    assert int(page.locator(".ai-reviews-total").get_attribute("data-total")) == count
    assert page.locator(".ai-review").count() == min(count, 20)
    assert page.locator(".ai-review-tier").count() == page.locator(".ai-review").count()
    shot(page, "review_trust_reviews_behind_a_number")
    page.click("text=How we handle reviews")
    page.wait_for_selector("#review-policy")
    assert page.url.endswith("/ai/reviews/policy/")
    for heading in ("Verified buyers", "Which reviews are shown", "The summary and the average", "Order",
                    "Incentivized reviews"):
        assert page.locator("h3", has_text=heading).is_visible()
    assert "ordered the product before writing it" in page.locator("[data-policy=verification]").inner_text()
    shot(page, "review_policy_page")

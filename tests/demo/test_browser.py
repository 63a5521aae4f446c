"""The demo and the admin in a real browser: Debian's chromium driven headless by playwright, against a live server.

Each test saves screenshots under ``artifacts/browser/`` (the path is printed at the end of the run). Locally the
tests skip when chromium or playwright is missing; in CI (AI_COMMERCE_REQUIRE_SERVICES=1) they must run.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count

from tests.conftest import need_service
from tests.demo.conftest import SEEDED_UNTIL, TINY_RECOMMENDATIONS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need_service("playwright is not installed (pip install -r requirements/dev.txt)")
    if not os.path.exists(CHROMIUM):
        need_service("chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the tests are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def shot(page, name):
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, live_server, username="admin", password="admin"):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")


@pytest.fixture
def trained_shop(settings):
    """The make-demo path in small: seed, backfill events, train every capability, score reviews. Where the train
    extra is not installed, the tests that use it skip (in CI, fail)."""
    from demo_shop.catalog.models import Product
    from tests.conftest import require_train_extra

    require_train_extra()

    call_command("demo_seed", seed=5, products=40, customers=300, order_lines=8000, days=220, end_date=SEEDED_UNTIL)
    call_command("ai_commerce_import_history")
    # Extend the demo's SENTIMENT (its published status among it) rather than replace it.
    settings.AI_COMMERCE = {
        **settings.AI_COMMERCE,
        "RECOMMENDATIONS": TINY_RECOMMENDATIONS,
        "SENTIMENT": {**settings.AI_COMMERCE.get("SENTIMENT", {}), "MIN_REVIEWS": 50},
    }
    for kind in ("recommendations", "sentiment", "pricing"):
        call_command("ai_commerce_train", kind)
    call_command("ai_commerce_score_reviews")
    return Product.objects


def test_product_page_shows_recommendations_with_reasons_and_the_sentiment_badge(page, live_server, trained_shop):
    from ai_commerce.sentiment.models import ProductSentiment
    from demo_shop.reviews.models import Review

    # The most reviewed product of those with reviews shoppers cannot see (which reviews are held depends on the
    # seeded dates, so on the day the suite runs).
    held = Review.objects.exclude(status=Review.Status.PUBLISHED).values("product_id")
    product = trained_shop.get(pk=ProductSentiment.objects.filter(product_id__in=held).order_by(
        "-review_count").first().product_id)
    page.goto(f"{live_server.url}{product.get_absolute_url()}")
    badge = page.locator(".ai-sentiment-badge")
    assert badge.is_visible() and "positive" in badge.inner_text()
    # The summary counts the reviews shoppers can see: the shop's own published count, which its page shows too.
    published = Review.objects.published().filter(product=product).count()
    assert 0 < published < Review.objects.filter(product=product).count()
    basis = page.locator(".ai-sentiment-basis").inner_text()
    assert basis.startswith(f"From {published} reviews"), basis
    assert f"from {published} reviews" in page.locator("body").inner_text()
    similar = page.locator(".ai-similar .ai-item")
    assert similar.count() == 6
    reasons = page.locator(".ai-similar .ai-reason").all_inner_texts()
    assert all(reasons) and any(r.startswith(("Similar to", "Trending")) for r in reasons)
    assert similar.first.get_attribute("data-ai-attribution").startswith("similar:")
    shot(page, "product_page_recommendations_and_sentiment")
    # A click goes through the click log to the recommended product, credited to its placement and version.
    from ai_commerce.recommendations.models import PlacementEvent

    title = similar.first.locator("a").inner_text()
    similar.first.locator("a").click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == title
    assert PlacementEvent.objects.filter(kind="click", placement="similar").count() == 1
    assert PlacementEvent.objects.filter(kind="impression", placement="similar").count() >= 6


def test_staff_approve_and_apply_a_price_and_the_product_page_shows_it(page, live_server, trained_shop):
    from ai_commerce.pricing.models import PriceSuggestion

    suggestion = PriceSuggestion.objects.filter(status="pending").order_by("pk").first()
    assert suggestion is not None
    login(page, live_server)
    page.goto(f"{live_server.url}/admin/ai_commerce_pricing/pricesuggestion/?status__exact=pending")
    assert page.locator("#result_list").is_visible()
    shot(page, "admin_pending_price_suggestions")
    for action in ("approve", "apply"):
        page.check(f"input[name=_selected_action][value='{suggestion.pk}']")
        page.select_option("select[name=action]", action)
        page.click("button[name=index]")
        page.wait_for_selector(".messagelist")
        if action == "approve":
            page.goto(f"{live_server.url}/admin/ai_commerce_pricing/pricesuggestion/?status__exact=approved")
    assert "1 suggestion applied" in page.locator(".messagelist").inner_text()
    shot(page, "admin_price_applied")
    product = trained_shop.get(pk=suggestion.product_id)
    assert product.price == suggestion.suggested_price
    page.goto(f"{live_server.url}{product.get_absolute_url()}")
    assert page.locator(".price").first.inner_text() == f"£{suggestion.suggested_price}"
    shot(page, "product_page_new_price")



def test_the_ai_dashboard_draws_its_charts_from_real_data(page, live_server, trained_shop):
    login(page, live_server)
    page.goto(f"{live_server.url}/admin/")
    page.click("text=AI dashboard")
    for kind in ("recommendations", "sentiment", "pricing"):
        section = page.locator(f"#ai-{kind}")
        assert section.is_visible() and "No active version" not in section.inner_text()
        assert section.locator("svg").count() >= 1
    assert page.locator("svg path, svg polyline, svg rect").count() > 20  # lines and bars were drawn
    assert "flagged review" in page.locator("#ai-sentiment").inner_text()
    # which system serves the shop, why, and the learned system next to each baseline on the same split
    served = page.locator("#ai-recommendations .ai-served")
    assert served.is_visible() and served.inner_text().startswith("Serving the ") and "Recall@10" in served.inner_text()
    assert page.locator("#ai-recommendations .ai-systems-chart svg rect").count() >= 5
    shot(page, "admin_ai_dashboard")


def shopper_page(browser, live_server, user):
    """A browser context signed in as ``user`` (a shopper, through the session cookie)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context


def test_a_signed_in_shopper_sees_what_to_buy_again_and_staff_see_why(browser, page, live_server, trained_shop):
    """Issue 30: the home page shows a signed-in shopper the products they bought before, each with why; an
    anonymous visitor sees no such list; the dashboard says what serves it and why."""
    from ai_commerce.models import Interaction, ModelVersion

    version = ModelVersion.objects.of_kind("recommendations").active().get()
    judged = version.metrics["buy_again"]
    assert judged["served"] in ("learned", "p_topfreq"), judged["reason"]
    shopper = Interaction.objects.filter(kind="purchase", user__isnull=False).values("user").annotate(
        n=Count("product", distinct=True)).order_by("-n").first()
    user = get_user_model().objects.get(pk=shopper["user"])
    bought = {str(pk) for pk in Interaction.objects.filter(user=user, kind="purchase").values_list("product_id",
                                                                                                  flat=True)}
    context = shopper_page(browser, live_server, user)
    mine = context.new_page()
    mine.goto(f"{live_server.url}/")
    section = mine.locator(".ai-buy_again")
    assert section.is_visible() and section.locator("h2").inner_text() == "Buy it again"
    items = section.locator(".ai-item")
    assert items.count() == 6
    assert {items.nth(n).get_attribute("data-ai-product") for n in range(6)} <= bought
    reasons = section.locator(".ai-reason").all_inner_texts()
    assert all(r.startswith(("You buy this about every", "You bought this", "Shoppers buy this")) for r in reasons)
    shot(mine, "home_buy_again_signed_in")
    context.close()
    page.goto(f"{live_server.url}/")
    assert page.locator(".ai-buy_again").count() == 0  # an anonymous visitor: nobody's purchases
    login(page, live_server)
    page.goto(f"{live_server.url}/admin/")
    page.click("text=AI dashboard")
    why = page.locator("#ai-recommendations .ai-buy-again")
    text = why.inner_text()
    assert why.is_visible() and text.startswith("Serving ") and "most often bought" in text and "Recall@10" in text
    assert page.locator("#ai-recommendations .ai-buy-again-chart svg rect").count() >= 2
    shot(page, "admin_dashboard_buy_again")


def test_staff_run_an_experiment_from_the_admin_and_read_its_results(browser, page, live_server, trained_shop):
    from django.contrib.auth import get_user_model

    from ai_commerce.models import ModelVersion
    from ai_commerce.recommendations.models import Experiment, PlacementEvent

    version = ModelVersion.objects.of_kind("recommendations").active().get()
    login(page, live_server)
    page.goto(f"{live_server.url}/admin/ai_commerce_recommendations/experiment/add/")
    page.fill("#id_name", "Model against popularity")
    page.fill("#id_placements", '["similar"]')
    page.fill("#id_arms-0-name", "model")
    page.select_option("#id_arms-0-version", str(version.pk))
    page.fill("#id_arms-0-weight", "50")
    page.check("#id_arms-0-is_control")
    page.fill("#id_arms-1-name", "popularity")
    page.fill("#id_arms-1-weight", "50")
    page.click("input[name=_save]")
    assert "Planned sample:" in page.locator(".messagelist").inner_text()
    experiment = Experiment.objects.get(name="Model against popularity")
    page.check(f"input[name=_selected_action][value='{experiment.pk}']")
    page.select_option("select[name=action]", "start_experiments")
    page.click("button[name=index]")
    assert "is running" in page.locator(".messagelist").inner_text()
    # Shoppers land in both arms, each seeing its arm's list; one clicks.
    product = trained_shop.order_by("pk").first()
    arms = {}
    for n in range(12):
        shopper = get_user_model().objects.create_user(f"shopper{n}", password="x")
        context = shopper_page(browser, live_server, shopper)
        shop_page = context.new_page()
        shop_page.goto(f"{live_server.url}{product.get_absolute_url()}")
        attribution = shop_page.locator(".ai-similar .ai-item").first.get_attribute("data-ai-attribution")
        arm = int(attribution.rsplit(":", 1)[1])
        if arm not in arms:
            arms[arm] = attribution
            shop_page.locator(".ai-similar .ai-item a").first.click()
            shop_page.wait_for_selector("h1")
        context.close()
        if len(arms) == 2:
            break
    assert set(arms) == set(experiment.arms.values_list("pk", flat=True))
    assert arms[experiment.arms.get(name="popularity").pk].split(":")[1] == "0"  # the baseline serves no version
    assert PlacementEvent.objects.filter(kind="click").values("arm").distinct().count() == 2
    page.goto(f"{live_server.url}/admin/ai_commerce_recommendations/experiment/{experiment.pk}/results/")
    table = page.locator(".ai-results").inner_text()
    assert "model" in table and "popularity baseline" in table
    assert "Too early" in page.locator(".ai-verdict").inner_text()
    assert "Fixed horizon" in page.locator("#content-main").inner_text()
    shot(page, "admin_experiment_results")


@pytest.mark.services
def test_retrain_now_shows_live_progress_until_a_new_version_appears(page, live_server, trained_shop, live_worker):
    from ai_commerce.models import ModelVersion

    before = ModelVersion.objects.of_kind("pricing").count()
    login(page, live_server)
    page.goto(f"{live_server.url}/admin/ai_commerce/dashboard/")
    page.click("#ai-pricing button.ai-retrain")
    assert "is queued" in page.locator(".messagelist").inner_text()
    shot(page, "admin_retrain_queued")
    # The page polls the run's progress and reloads when it ends; the new run then shows as succeeded.
    page.wait_for_selector("#ai-pricing .ai-run[data-ai-status=succeeded]", timeout=120_000)
    page.wait_for_selector(".messagelist", state="detached", timeout=30_000)  # the page reloaded
    assert ModelVersion.objects.of_kind("pricing").count() == before + 1
    shot(page, "admin_retrain_finished_new_version")


def test_staff_open_the_at_risk_list_a_products_forecast_chart_and_mark_a_reorder_ordered(page, live_server,
                                                                                           trained_shop):
    """Issue 28's browser path: from the AI dashboard's forecast panel to the products at risk of running out before
    a delivery, one product's forecast chart, and a reorder marked as ordered (it then counts as on order)."""
    from ai_commerce.forecast.models import InventoryPolicy, ReorderSuggestion

    # A supplier that takes six weeks: products that cannot last that long are at risk, as staff would set it.
    InventoryPolicy.objects.create(name="Slow supplier", lead_time_days=42)
    call_command("ai_commerce_train", "forecast")
    at_risk = ReorderSuggestion.objects.filter(status="open", at_risk=True)
    assert at_risk.exists()
    login(page, live_server)
    page.goto(f"{live_server.url}/admin/")
    page.click("text=AI dashboard")
    panel = page.locator("#ai-forecast")
    assert panel.is_visible() and panel.locator("svg").count() >= 1  # forecast against actual, with its bands
    shot(page, "admin_forecast_panel")
    panel.locator("a.ai-at-risk").click()
    page.wait_for_selector("#result_list")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == at_risk.count()
    shot(page, "admin_reorders_at_risk")

    page.goto(f"{live_server.url}/admin/")
    page.click("text=AI dashboard")
    page.locator("#ai-forecast").locator("text=This product's forecast").click()
    page.wait_for_selector("svg")
    assert page.locator("svg polyline, svg path, svg polygon").count() >= 2
    shot(page, "admin_product_forecast_chart")

    suggestion = at_risk.order_by("pk").first()
    page.goto(f"{live_server.url}/admin/ai_commerce_forecast/reordersuggestion/?status__exact=open&at_risk__exact=1")
    page.check(f"input[name=_selected_action][value='{suggestion.pk}']")
    page.select_option("select[name=action]", "mark_ordered")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist")
    assert "1 suggestion marked as ordered." in page.locator(".messagelist").inner_text()
    suggestion.refresh_from_db()
    assert suggestion.status == "ordered"
    shot(page, "admin_reorder_marked_ordered")

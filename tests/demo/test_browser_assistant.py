"""The shopping assistant in a real browser (chromium headless, playwright) on the demo shop: a shopper asks where
their order is and gets its status with a link; asks what no row answers and is handed over; staff reply in the
admin and the shopper sees the reply in the chat box. Screenshots under ``artifacts/browser/assistant-*.png``."""

import re

import pytest
from django.core import mail

from ai_commerce.assistant import knowledge
from tests.demo.test_browser import browser, shot  # noqa: F401  (the browser fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def shop():
    from django.contrib.auth import get_user_model

    from demo_shop.catalog.models import Category, Product
    from demo_shop.orders.models import Order, OrderLine

    knowledge.clear()
    users = get_user_model().objects
    ann = users.create_user("ann", "ann@example.com", "ann-password")
    users.create_superuser("admin", "admin@example.com", "admin")
    category = Category.objects.create(name="Home", slug="home")
    mug = Product.objects.create(sku="HOM-1", name="Speckled Stoneware Mug", slug="speckled-stoneware-mug",
                                 description="A hand-thrown mug in speckled stoneware.", category=category,
                                 price="18.00", cost="7.00", stock=12)
    order = Order.objects.create(customer=ann)
    OrderLine.objects.create(order=order, product=mug, quantity=2, unit_price="18.00")
    yield {"ann": ann, "mug": mug, "order": order}
    knowledge.clear()


def ask(tab, text):
    before = tab.locator(".ai-msg-assistant").count()
    tab.fill("#ai-assistant-message", text)
    tab.keyboard.press("Enter")  # the box works from the keyboard alone
    tab.wait_for_function(f"document.querySelectorAll('.ai-msg-assistant').length > {before}")
    return tab.locator(".ai-msg-assistant").last


def test_order_status_then_a_handover_then_the_staff_reply_reaches_the_shopper(browser, live_server, shop):  # noqa: F811
    shopper = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    shopper.goto(f"{live_server.url}/accounts/login/")
    shopper.fill("#id_username", "ann")
    shopper.fill("#id_password", "ann-password")
    shopper.click("form:has(#id_password) button[type=submit]")  # the page also has the search box's button
    shopper.goto(f"{live_server.url}/products/{shop['mug'].slug}/")

    reply = ask(shopper, "where is my order?")
    assert f"Order #{shop['order'].pk} was placed on" in reply.inner_text()
    link = reply.locator(".ai-sources a")
    assert link.get_attribute("href") == f"/orders/{shop['order'].pk}/"
    shot(shopper, "assistant-1-order-status")

    reply = ask(shopper, "do you sell gift vouchers for the moon base?")
    assert "don't know" in reply.inner_text()
    reply.locator("button.ai-human").click()
    shopper.wait_for_selector("text=passed your question to our staff")
    assert shopper.locator(".ai-msg button.ai-human").first.is_disabled()  # handed over once
    shot(shopper, "assistant-2-handed-over")

    staff = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    staff.goto(f"{live_server.url}/admin/login/")
    staff.fill("#id_username", "admin")
    staff.fill("#id_password", "admin")
    staff.click("input[type=submit]")
    staff.goto(f"{live_server.url}/admin/ai_commerce_assistant/handover/")
    shot(staff, "assistant-3-handover-list")
    staff.click("#result_list tbody tr th a")
    staff.wait_for_selector("#id_reply")
    assert "gift vouchers for the moon base" in staff.content()  # the transcript
    staff.fill("#id_reply", "Hello Ann, we don't sell those yet, but we will tell you when we do.")
    staff.click("input[name=_save]")
    staff.wait_for_selector(".messagelist")
    shot(staff, "assistant-4-staff-replied")

    shopper.wait_for_selector(".ai-msg-staff", timeout=15_000)  # the chat box polls while waiting for staff
    assert re.search(r"we don't sell those yet", shopper.locator(".ai-msg-staff").inner_text())
    assert shopper.locator(".ai-msg-staff").is_visible()  # the log scrolled to it
    shot(shopper, "assistant-5-shopper-sees-reply")
    assert mail.outbox and mail.outbox[-1].to == ["ann@example.com"]

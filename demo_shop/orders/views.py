"""Basket and checkout pages. The basket lives in the session (see ``basket.py``)."""

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ai_commerce.events import record_event
from demo_shop.catalog.models import Product

from .basket import MAX_QUANTITY, Basket
from .checkout import CheckoutError, place_order
from .models import Order

logger = logging.getLogger(__name__)


class AddToBasketForm(forms.Form):
    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY, initial=1)


def _next_or(request, fallback):
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


@require_POST
def basket_add(request, product_id):
    product = get_object_or_404(Product.objects.active(), pk=product_id)
    form = AddToBasketForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Choose a quantity between 1 and {MAX_QUANTITY}.")
        return redirect(product)
    if product.stock < 1:
        messages.error(request, f"{product.name} is out of stock.")
        return redirect(product)
    quantity = form.cleaned_data["quantity"]
    Basket(request).add(product, quantity)
    if request.session.session_key is None:
        request.session.save()
    try:
        record_event(
            kind="cart",
            product=product,
            user=request.user if request.user.is_authenticated else None,
            session_key=request.session.session_key,
            quantity=quantity,
        )
    except Exception:  # the basket must work even when the event log does not
        logger.exception("could not record a basket event for product %s", product.pk)
    messages.success(request, f"Added {quantity} x {product.name} to your basket.")
    return _next_or(request, "basket")


@require_POST
def basket_remove(request, product_id):
    if Basket(request).remove(product_id):
        messages.info(request, "Removed the item from your basket.")
    return redirect("basket")


def basket_detail(request):
    basket = Basket(request)
    lines = basket.lines()
    return render(request, "orders/basket.html", {"lines": lines, "total": basket.total(lines)})


@login_required
def checkout(request):
    if request.method != "POST":  # e.g. coming back from the login page
        return redirect("basket")
    basket = Basket(request)
    try:
        order = place_order(request.user, basket.lines())
    except CheckoutError as exc:
        messages.error(request, str(exc))
        return redirect("basket")
    basket.clear()
    messages.success(request, "Thank you! Your order is confirmed.")
    return redirect(order)


@login_required
def order_detail(request, pk):
    order = get_object_or_404(Order.objects.filter(customer=request.user).prefetch_related("lines__product"), pk=pk)
    return render(request, "orders/order_detail.html", {"order": order})

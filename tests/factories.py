"""factory_boy factories for the althost test shop."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.althost import models


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"shopper{n}")


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Section

    name = factory.Sequence(lambda n: f"Section {n}")


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Item

    label = factory.Sequence(lambda n: f"Item {n}")
    summary = "A thing."


class StockRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.StockRecord

    item = factory.SubFactory(ItemFactory)
    price_excl_tax = Decimal("10.00")
    cost_price = Decimal("6.00")
    num_in_stock = 5


class PurchaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Purchase

    buyer = factory.SubFactory(UserFactory)
    placed_on = factory.LazyFunction(timezone.now)


class SaleLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.SaleLine

    purchase = factory.SubFactory(PurchaseFactory)
    article = factory.SubFactory(ItemFactory)
    qty = 1
    each_price = Decimal("10.00")


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Feedback

    item = factory.SubFactory(ItemFactory)
    reviewer = factory.SubFactory(UserFactory)
    stars = 4
    headline = "Nice"
    comment = "Fits well."
    posted = factory.LazyFunction(timezone.now)


def price_suggestion(product, policy, status="pending", current="9.50", suggested="10.00"):
    """A price suggestion of ``product`` under ``policy``, as the pricing app writes one."""
    from ai_commerce.pricing.models import PriceSuggestion

    return PriceSuggestion.objects.create(
        product=product, policy=policy, status=status, current_price=Decimal(current),
        suggested_price=Decimal(suggested), change_pct=5.0, objective="profit", reason="test", elasticity=-2.0,
        elasticity_low=-2.5, elasticity_high=-1.5, units_now=10, units_new=9, units_new_low=8, units_new_high=10,
        revenue_now=Decimal(95), revenue_new=Decimal(90), expires_at="2999-01-01T00:00:00Z")

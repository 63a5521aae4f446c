"""A minimal host shop with names unlike the demo's, shaped like django-oscar: price, cost and stock live on one or
more StockRecord rows per item, and sections (categories) in a many-to-many."""

from django.conf import settings
from django.db import models


class Section(models.Model):
    name = models.CharField(max_length=50)


class Item(models.Model):
    label = models.CharField(max_length=100)
    summary = models.TextField(blank=True)
    listed = models.BooleanField(default=True)
    sections = models.ManyToManyField(Section, blank=True, related_name="items")
    added = models.DateTimeField(null=True, blank=True)  # when the item was listed ("new within N days")


class StockRecord(models.Model):
    item = models.ForeignKey(Item, models.CASCADE, related_name="stockrecords")
    partner = models.CharField(max_length=30, default="main")
    price_excl_tax = models.DecimalField(max_digits=10, decimal_places=2)
    cost_price = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    num_in_stock = models.IntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)  # like django-oscar's StockRecord.date_updated


class Purchase(models.Model):
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="purchases")
    placed_on = models.DateTimeField()
    status = models.CharField(max_length=16, default="placed")


class SaleLine(models.Model):
    purchase = models.ForeignKey(Purchase, models.CASCADE, related_name="lines")
    article = models.ForeignKey(Item, models.CASCADE, related_name="sale_lines")
    qty = models.IntegerField(default=1)
    each_price = models.DecimalField(max_digits=10, decimal_places=2)


class Feedback(models.Model):
    item = models.ForeignKey(Item, models.CASCADE, related_name="feedback")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="feedback")
    stars = models.PositiveSmallIntegerField()
    headline = models.CharField(max_length=100, blank=True)
    comment = models.TextField(blank=True)
    posted = models.DateTimeField()
    state = models.CharField(max_length=20, default="visible")
    # django-oscar's ProductReview.status: 0 for moderation, 1 approved, 2 rejected (a host status that can be 0).
    approval = models.PositiveSmallIntegerField(default=1)

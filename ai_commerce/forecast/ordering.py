"""Staff decisions on reorder suggestions: mark one as ordered (its units then count as on order until it arrives)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import ReorderSuggestion


class OrderRefused(Exception):
    """The suggestion cannot be marked as ordered (it is not open); nothing was written."""


def mark_ordered(suggestion, user=None, quantity=None, today=None):
    """Mark an open suggestion as ordered today (``quantity`` defaults to the suggested one); return it."""
    today = today or timezone.localdate()  # the day staff placed the order: a record, not a decision input
    with transaction.atomic():
        row = ReorderSuggestion.objects.select_for_update().get(pk=suggestion.pk)
        if row.status != ReorderSuggestion.Status.OPEN:
            raise OrderRefused(f"This suggestion is {row.get_status_display()}, not open: only an open suggestion "
                               "can be marked as ordered.")
        qty = quantity or row.order_qty
        if not qty:
            raise OrderRefused("The suggested quantity is 0: give the quantity ordered.")
        row.status, row.ordered_qty, row.ordered_on = ReorderSuggestion.Status.ORDERED, qty, today
        row.arrives_on = today + timedelta(days=row.lead_time_days)
        row.ordered_by = user if getattr(user, "pk", None) else None
        row.save(update_fields=["status", "ordered_qty", "ordered_on", "arrives_on", "ordered_by"])
    return row


def on_order(product_ids, on_day):
    """Units ordered and not yet arrived by ``on_day``, per product (a delivery arriving that day counts as
    arrived)."""
    totals = {}
    for row in ReorderSuggestion.objects.on_order().filter(product_id__in=list(product_ids)).values(
            "product_id", "ordered_qty", "arrives_on"):
        if row["arrives_on"] is None or row["arrives_on"] > on_day:
            totals[row["product_id"]] = totals.get(row["product_id"], 0) + (row["ordered_qty"] or 0)
    return totals


def arrivals(product_ids, on_day):
    """Deliveries still on order by ``on_day`` (as ``on_order`` counts them), per product, as {days after ``on_day``:
    units}."""
    out = {}
    for row in ReorderSuggestion.objects.on_order().filter(product_id__in=list(product_ids),
                                                           arrives_on__gt=on_day).values(
            "product_id", "ordered_qty", "arrives_on"):
        days = out.setdefault(row["product_id"], {})
        offset = (row["arrives_on"] - on_day).days
        days[offset] = days.get(offset, 0) + (row["ordered_qty"] or 0)
    return out

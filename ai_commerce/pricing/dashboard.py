"""The pricing panel of the AI dashboard: open suggestions, and applied prices' realized against expected effect.

``panel(request, site, active)`` is what ``PricingConfig.dashboard_panel`` names; it renders through
``admin/ai_commerce_pricing/dashboard_panel.html``. Four queries.
"""

from collections import defaultdict
from datetime import timedelta

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone

from ai_commerce.dashboard.views import admin_url
from ai_commerce.models import Interaction

from .models import PriceChange, PriceSuggestion

#: Days before and after a price change compared by the realized-effect table.
EFFECT_WINDOW_DAYS = 28
#: How many applied price changes the realized-effect table shows (the most recent).
EFFECT_CHANGES = 20
CHANGELIST = "ai_commerce_pricing_pricesuggestion_changelist"


def panel(request, site, active):
    """The dashboard panel, with links to the open suggestions and whether this user may decide on them."""
    return {**pricing_panel(), "skill": skill(active),
            "pending_url": admin_url(site, CHANGELIST, {"status__exact": "pending"}),
            "approved_url": admin_url(site, CHANGELIST, {"status__exact": "approved"}),
            "can_decide": request.user.has_perm("ai_commerce_pricing.change_pricesuggestion"),
            "policies_url": admin_url(site, "ai_commerce_pricing_pricingpolicy_changelist")
            if request.user.has_perm("ai_commerce_pricing.view_pricingpolicy") else None}


def skill(version):
    """The serving model's held-out demand skill with its 90% interval, or None before one serves."""
    metrics = getattr(version, "metrics", None) or {}
    if metrics.get("demand_skill") is None:
        return None
    low, high = metrics.get("demand_skill_low"), metrics.get("demand_skill_high")
    return {"value": metrics["demand_skill"] * 100, "low": None if low is None else low * 100,
            "high": None if high is None else high * 100, "products": metrics.get("holdout_products"),
            "days": metrics.get("holdout_days"), "thin": low is not None and low <= 0}


def realized_effects(limit=EFFECT_CHANGES, window_days=EFFECT_WINDOW_DAYS, now=None):
    """Compare the units and revenue per week before and after each recent applied price with the expectation.

    For each of the ``limit`` latest applied prices, the windows are up to ``window_days`` days before and after
    the change, cut at the product's previous and next price change and at now. Three queries: the changes with their
    suggestions, every change of those products (the window bounds), and one aggregate over the purchase events with
    a filtered sum per window.
    """
    now = now or timezone.now()
    window = timedelta(days=window_days)
    applied = (PriceChange.Action.APPLY, PriceChange.Action.AUTO_APPLY)
    recent = list(PriceChange.objects.filter(action__in=applied).select_related("suggestion", "product")
                  .order_by("-created_at", "-pk")[:limit])
    if not recent:
        return []
    product_ids = {change.product_id for change in recent}
    earliest = min(change.created_at for change in recent) - window
    bounds = defaultdict(list)  # the price before a change is the one set by the previous change
    for row in PriceChange.objects.filter(product_id__in=product_ids, created_at__gte=earliest).values(
            "product_id", "created_at"):
        bounds[row["product_id"]].append(row["created_at"])
    revenue = ExpressionWrapper(F("quantity") * F("unit_price"), output_field=DecimalField(max_digits=18,
                                                                                           decimal_places=2))
    sums, windows = {}, []
    for i, change in enumerate(recent):
        at, others = change.created_at, bounds[change.product_id]
        start = max([at - window, *(t for t in others if t < at)])
        end = min([at + window, now, *(t for t in others if t > at)])
        windows.append((start, at, end))
        for side, (low, high) in (("before", (start, at)), ("after", (at, end))):
            where = Q(product_id=change.product_id, occurred_at__gte=low, occurred_at__lt=high)
            sums[f"units_{side}_{i}"] = Sum("quantity", filter=where)
            sums[f"revenue_{side}_{i}"] = Sum(revenue, filter=where)
    totals = Interaction.objects.filter(kind=Interaction.Kind.PURCHASE, product_id__in=product_ids,
                                        occurred_at__gte=earliest).aggregate(**sums)
    effects = []
    for i, (change, (start, at, end)) in enumerate(zip(recent, windows, strict=True)):
        weeks_before, weeks_after = (at - start).total_seconds() / 604800, (end - at).total_seconds() / 604800
        suggestion = change.suggestion
        effect = {
            "change": change, "suggestion": suggestion, "days_after": (end - at).days,
            "expected_units_before": suggestion.units_now, "expected_units_after": suggestion.units_new,
            "expected_units_pct": _pct(suggestion.units_new, suggestion.units_now),
            "expected_revenue_before": suggestion.revenue_now, "expected_revenue_after": suggestion.revenue_new,
            "expected_revenue_pct": _pct(suggestion.revenue_new, suggestion.revenue_now),
            "units_before": _per_week(totals[f"units_before_{i}"] or 0, weeks_before),
            "units_after": _per_week(totals[f"units_after_{i}"] or 0, weeks_after),
            "revenue_before": _per_week(totals[f"revenue_before_{i}"] or 0, weeks_before),
            "revenue_after": _per_week(totals[f"revenue_after_{i}"] or 0, weeks_after),
        }
        effect["units_pct"] = _pct(effect["units_after"], effect["units_before"])
        effect["revenue_pct"] = _pct(effect["revenue_after"], effect["revenue_before"])
        effects.append(effect)
    return effects


def _per_week(total, weeks):
    if weeks < 1 / 7:  # less than a day of data says nothing
        return None
    return float(total) / weeks


def _pct(new, old):
    if new is None or old in (None, 0):
        return None
    return (float(new) - float(old)) / float(old) * 100


def pricing_panel(now=None):
    """Return the counts of open suggestions and the realized effects of recent applied prices (4 queries)."""
    status = PriceSuggestion.Status
    counts = PriceSuggestion.objects.aggregate(
        pending=Count("pk", filter=Q(status=status.PENDING)), approved=Count("pk", filter=Q(status=status.APPROVED)),
        applied=Count("pk", filter=Q(status=status.APPLIED)))
    return {**counts, "effects": realized_effects(now=now)}

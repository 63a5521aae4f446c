"""Turn the active demand model's elasticities into price suggestions, one per product, under each policy.

``suggest_prices()`` reads the products through the shop adapter in one query, resolves each product's policy,
skips products in their cooldown, asks ``optimize.suggest`` for the guardrailed optimum, replaces the product's
pending suggestion, and records on each estimate why a product got no suggestion. Approved suggestions are left for
staff to apply; open suggestions past their date expire.
"""

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ai_commerce import stock_outlook
from ai_commerce.adapter import get_adapter
from ai_commerce.models import ModelVersion
from ai_commerce.tuning import tuned

from . import elasticity, optimize
from .models import ElasticityEstimate, PriceChange, PriceSuggestion
from .policies import PolicyResolver


class NoPricingModel(Exception):
    """There is no active pricing model: train one first."""


def active_version():
    version = ModelVersion.objects.of_kind("pricing").active().first()
    if version is None:
        raise NoPricingModel("there is no active pricing model: run `manage.py ai_commerce_train pricing` first")
    return version


def expire_old(now=None):
    """Expire open suggestions past their date; return how many."""
    return PriceSuggestion.objects.open().filter(expires_at__lt=now or timezone.now()).update(
        status=PriceSuggestion.Status.EXPIRED, closed_reason="Past its date.")


def expire_under_policy(policy, change):
    """Expire the pending suggestions that ``policy`` governs (the most specific policy of their product now) or
    that were made under it: they follow rules that ``change`` ("changed", "was deleted") and no longer hold. Approved
    ones are staff's decision and stay. Return how many expired; the next suggestion run makes new ones."""
    pending = PriceSuggestion.objects.filter(status=PriceSuggestion.Status.PENDING)
    rows = list(pending.values_list("pk", "product_id", "policy_id"))
    if not rows:
        return 0
    values = get_adapter().product_values({product_id for _pk, product_id, _policy in rows})
    resolve = PolicyResolver()
    governed = [pk for pk, product_id, made_under in rows if made_under == policy.pk
                or resolve(product_id, (values.get(product_id) or {}).get("category")).pk == policy.pk]
    reason = (f"The pricing policy {policy.name!r} ({policy.scope}) {change}; the next suggestion run makes a new "
              "suggestion under the policy in force.")
    return PriceSuggestion.objects.filter(pk__in=governed, status=PriceSuggestion.Status.PENDING).update(
        status=PriceSuggestion.Status.EXPIRED, closed_reason=reason[:300])


def suggest_prices(version=None, on_progress=None):
    """Make suggestions from ``version`` (the active pricing model by default); return counts per outcome."""
    version = version or active_version()
    now = timezone.now()
    expire_old(now)
    estimates = list(ElasticityEstimate.objects.filter(model_version=version))
    products = get_adapter().product_values([e.product_id for e in estimates])
    # Days of cover and restock times from the demand forecast, when it is installed and serves ({} otherwise).
    outlooks = stock_outlook.for_products(list(products))
    resolve = PolicyResolver()
    last_change = dict(PriceChange.objects.filter(product_id__in=products).values_list("product_id")
                       .annotate(last=Max("created_at")))
    approved = set(PriceSuggestion.objects.filter(status=PriceSuggestion.Status.APPROVED,
                                                  product_id__in=products).values_list("product_id", flat=True))
    expires = now + dt.timedelta(days=tuned("PRICING")["SUGGESTION_DAYS"])
    counts, new = Counter(), []
    for estimate in estimates:
        outcome, suggestion = _outcome(estimate, products.get(estimate.product_id), resolve, last_change, approved,
                                       now, outlooks.get(estimate.product_id))
        if suggestion is not None:
            suggestion.model_version, suggestion.expires_at = version, expires
            new.append(suggestion)
            outcome = "suggested"
        estimate.outcome = outcome[:300]
        counts["suggested" if suggestion is not None else outcome.split(":")[0]] += 1
        if on_progress:
            on_progress(1)
    replaced = {s.product_id for s in new}
    with transaction.atomic():
        pending = PriceSuggestion.objects.filter(status=PriceSuggestion.Status.PENDING)
        pending.filter(product_id__in=replaced).update(
            status=PriceSuggestion.Status.EXPIRED, closed_reason="Replaced by a newer suggestion.")
        # A pending suggestion the newest estimate no longer supports is withdrawn: without evidence, no action
        # (auto-apply would otherwise apply it). Approved ones are staff's decision and stay.
        outcomes = {e.product_id: e.outcome for e in estimates if e.product_id not in replaced}
        for product_id in set(pending.filter(product_id__in=outcomes).values_list("product_id", flat=True)):
            pending.filter(product_id=product_id).update(
                status=PriceSuggestion.Status.EXPIRED,
                closed_reason=f"Withdrawn: the newest estimate makes none ({outcomes[product_id]})"[:300])
        PriceSuggestion.objects.bulk_create(new, batch_size=500)
        ElasticityEstimate.objects.bulk_update(estimates, ["outcome"], batch_size=500)
    return dict(counts)


def _outcome(estimate, values, resolve, last_change, approved, now, cover=None):
    """Return (outcome, unsaved PriceSuggestion or None) for one product."""
    if estimate.elasticity is None:
        return f"no estimate: {estimate.reason}", None
    if values is None:
        return "no product: it was deleted or is hidden from ai_commerce", None
    if values.get("active") is False:
        return "inactive: the product is not for sale", None
    if values.get("price") is None:
        return "no price: the product has no price", None
    if estimate.product_id in approved:
        return "approved suggestion waiting: apply or reject it first", None
    policy = resolve(estimate.product_id, values.get("category"))
    changed = last_change.get(estimate.product_id)
    if changed and changed > now - dt.timedelta(days=policy.cooldown_days):
        until = changed + dt.timedelta(days=policy.cooldown_days)
        return f"cooldown: the price changed on {changed:%Y-%m-%d}; next suggestion after {until:%Y-%m-%d}", None
    price = Decimal(values["price"])
    result = optimize.suggest(
        price, values.get("cost"), (estimate.elasticity, estimate.low, estimate.high, elasticity.LEVEL),
        base_units=estimate.units_at(price), stock=values.get("stock"), guardrails=policy.to_guardrails(),
        cover=cover,
    )
    if result.status != "suggest":
        return f"{result.status.replace('_', ' ')}: {result.reason}{_leaning(estimate)}", None
    return "", PriceSuggestion(
        product_id=estimate.product_id, policy=policy if policy.pk else None, current_price=result.current_price,
        suggested_price=result.price, cost=values.get("cost"), change_pct=round(result.change_pct, 2),
        objective=result.objective, bound_by=result.bound_by or "", reason=result.reason + _leaning(estimate),
        elasticity=result.elasticity, elasticity_low=result.elasticity_low, elasticity_high=result.elasticity_high,
        units_now=result.units_now, units_new=result.units_new, units_new_low=result.units_new_low,
        units_new_high=result.units_new_high, revenue_now=result.revenue_now, revenue_new=result.revenue_new,
        profit_now=result.profit_now, profit_new=result.profit_new, lift_pct=result.lift_pct,
        lift_low_pct=result.lift_low_pct, lift_high_pct=result.lift_high_pct,
    )


def _leaning(estimate):
    if estimate.evidence != "pooled":
        return ""
    return (f" Few price changes or orders of its own: the estimate leans on its category's products "
            f"({estimate.pooled_toward:.1f}).")

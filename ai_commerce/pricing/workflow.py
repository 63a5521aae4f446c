"""Staff decide on price suggestions: approve, reject, apply (write the price back) and roll back, all audited.

Every write goes through the shop adapter, in a transaction, with a ``PriceChange`` row. A refusal raises
``PricingRefused`` with a sentence saying why, and writes nothing:

- applying a suggestion whose product price changed since it was made (stale), that expired, or that is not approved
  (auto-apply may apply a pending one);
- rolling back a suggestion that is not applied, or whose product price changed since the apply.

Applying twice is idempotent: the second call returns the first change.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ai_commerce.adapter import get_adapter, products_written
from ai_commerce.signals import price_applied, price_rolled_back, send_on_commit

from .models import PriceChange, PriceSuggestion

Status = PriceSuggestion.Status


class PricingRefused(Exception):
    """The action cannot be taken; nothing was written. The message says why."""


def approve(queryset, user=None):
    """Approve the pending suggestions of ``queryset``; return how many."""
    return queryset.filter(status=Status.PENDING).update(status=Status.APPROVED, decided_by=user,
                                                         decided_at=timezone.now())


def reject(queryset, user=None):
    """Reject the pending or approved suggestions of ``queryset``; return how many."""
    return queryset.filter(status__in=[Status.PENDING, Status.APPROVED]).update(
        status=Status.REJECTED, decided_by=user, decided_at=timezone.now())


def _locked(suggestion):
    return PriceSuggestion.objects.select_for_update().get(pk=suggestion.pk)


def _current_price(product_id):
    price = get_adapter().get_price(product_id)
    return None if price is None else price.quantize(Decimal("0.01"))


def _write_price(suggestion, old, new, action, user):
    """Write ``new`` to the shop and the audit row that says so (inside the caller's transaction); once it commits,
    say so (``products_written``, and ``price_applied`` or ``price_rolled_back``)."""
    get_adapter().set_price(suggestion.product_id, new)
    change = PriceChange.objects.create(product_id=suggestion.product_id, suggestion=suggestion, old_price=old,
                                        new_price=new, changed_by=user, action=action)
    send_on_commit(products_written, PriceChange, product_ids=[suggestion.product_id])
    details = {"change": change, "product_id": suggestion.product_id, "old_price": old, "new_price": new}
    if action == PriceChange.Action.ROLLBACK:
        send_on_commit(price_rolled_back, PriceChange, **details)
    else:
        send_on_commit(price_applied, PriceChange, auto=action == PriceChange.Action.AUTO_APPLY, **details)
    return change


def apply(suggestion, user=None, *, auto=False):
    """Write the suggested price to the shop; return the ``PriceChange``. Raise ``PricingRefused`` when it can't."""
    with transaction.atomic():
        suggestion = _locked(suggestion)
        if suggestion.status == Status.APPLIED:
            return suggestion.changes.filter(action__in=[PriceChange.Action.APPLY, PriceChange.Action.AUTO_APPLY]) \
                .latest("created_at")
        allowed = [Status.APPROVED, Status.PENDING] if auto else [Status.APPROVED]
        if suggestion.status not in allowed:
            need = "" if suggestion.status != Status.PENDING else "; approve it first"
            raise PricingRefused(f"Suggestion {suggestion.pk} is {suggestion.get_status_display()}{need}.")
        if suggestion.expires_at < timezone.now():
            raise PricingRefused(f"Suggestion {suggestion.pk} expired on {suggestion.expires_at:%Y-%m-%d}; "
                                 "make new suggestions.")
        current = _current_price(suggestion.product_id)
        if current != suggestion.current_price:
            raise PricingRefused(
                f"The price of product {suggestion.product_id} is now {current}, not {suggestion.current_price} as "
                "when the suggestion was made; make new suggestions.")
        now = timezone.now()
        suggestion.status, suggestion.applied_at = Status.APPLIED, now
        if not suggestion.decided_at:
            suggestion.decided_by, suggestion.decided_at = user, now
        suggestion.save(update_fields=["status", "applied_at", "decided_by", "decided_at"])
        action = PriceChange.Action.AUTO_APPLY if auto else PriceChange.Action.APPLY
        return _write_price(suggestion, current, suggestion.suggested_price, action, None if auto else user)


def rollback(suggestion, user=None):
    """Restore the price from before ``suggestion`` was applied; return the ``PriceChange``."""
    with transaction.atomic():
        suggestion = _locked(suggestion)
        if suggestion.status != Status.APPLIED:
            raise PricingRefused(f"Suggestion {suggestion.pk} is {suggestion.get_status_display()}, not applied, so "
                                 "there is nothing to roll back.")
        current = _current_price(suggestion.product_id)
        if current != suggestion.suggested_price:
            raise PricingRefused(
                f"The price of product {suggestion.product_id} changed since the apply (now {current}, applied "
                f"{suggestion.suggested_price}); rolling back would overwrite that change.")
        suggestion.status = Status.ROLLED_BACK
        suggestion.save(update_fields=["status"])
        return _write_price(suggestion, current, suggestion.current_price, PriceChange.Action.ROLLBACK, user)


def auto_apply(now=None):
    """Apply pending suggestions whose policy allows it, within each policy's daily cap; return (applied, refused)."""
    now = now or timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    applied, refused = 0, []
    candidates = PriceSuggestion.objects.filter(status=Status.PENDING, policy__auto_apply=True,
                                                expires_at__gte=now).select_related("policy").order_by("created_at")
    done_today = {}
    for suggestion in candidates:
        policy = suggestion.policy
        if policy.pk not in done_today:
            done_today[policy.pk] = PriceChange.objects.filter(
                Q(suggestion__policy=policy), action=PriceChange.Action.AUTO_APPLY, created_at__gte=start).count()
        if done_today[policy.pk] >= policy.daily_auto_apply_cap:
            continue
        try:
            apply(suggestion, auto=True)
        except PricingRefused as exc:
            refused.append(str(exc))
            continue
        done_today[policy.pk] += 1
        applied += 1
    return applied, refused

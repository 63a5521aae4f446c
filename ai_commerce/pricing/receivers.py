"""A pricing policy's pending suggestions follow it: saving a policy with other rules, or deleting it, expires the
pending suggestions it governed (``suggesting.expire_under_policy``), with the reason, so that staff never approve a
suggestion made under rules that no longer hold. The number is left on the instance (``expired_suggestions``) for
the admin's message."""

from django.db.models.signals import post_save, pre_delete, pre_save

from .models import PricingPolicy
from .suggesting import expire_under_policy

#: Fields that do not change what a suggestion is.
NOT_RULES = {"id", "name", "updated_at", "auto_apply", "daily_auto_apply_cap"}


def _rules(policy):
    return {f.attname: getattr(policy, f.attname) for f in PricingPolicy._meta.concrete_fields
            if f.attname not in NOT_RULES}


def policy_saving(sender, instance, raw=False, **kwargs):
    previous = None if raw or instance.pk is None else PricingPolicy.objects.filter(pk=instance.pk).first()
    instance._previous_rules = None if previous is None else _rules(previous)


def policy_saved(sender, instance, created=False, raw=False, **kwargs):
    if raw:
        return
    previous = getattr(instance, "_previous_rules", None)
    changed = created or previous is None or previous != _rules(instance)
    instance.expired_suggestions = expire_under_policy(instance, "is new" if created else "changed") if changed else 0


def policy_deleting(sender, instance, **kwargs):
    instance.expired_suggestions = expire_under_policy(instance, "was deleted")


def connect():
    pre_save.connect(policy_saving, sender=PricingPolicy, dispatch_uid="ai_pricing_policy_saving")
    post_save.connect(policy_saved, sender=PricingPolicy, dispatch_uid="ai_pricing_policy_saved")
    pre_delete.connect(policy_deleting, sender=PricingPolicy, dispatch_uid="ai_pricing_policy_deleting")

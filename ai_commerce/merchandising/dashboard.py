"""The merchandising panel of the AI dashboard: the rules live now, scheduled and ended, and for each rule that runs
as an experiment arm its measured uplift or cost, with the experiment's own statistics and verdict ("too early"
until the planned sample)."""

from django.utils import timezone

from ai_commerce import arrangement
from ai_commerce.dashboard.views import admin_url

from .models import Rule, RuleChange


def _state(rule, now):
    if not rule.enabled:
        return "disabled"
    if rule.starts_at and now < rule.starts_at:
        return "scheduled"
    if rule.ends_at and now >= rule.ends_at:
        return "ended"
    return "live"


def panel(request, site, active, now=None):
    now = now or timezone.now()
    rules = list(Rule.objects.order_by("-priority", "pk")[:200])
    outcomes = arrangement.arm_outcomes({rule.arm for rule in rules if rule.arm})
    rows = [{"rule": rule, "state": _state(rule, now), "outcome": outcomes.get(rule.arm) if rule.arm else None}
            for rule in rules]
    return {"rows": rows, "live": sum(row["state"] == "live" for row in rows),
            "changes": list(RuleChange.objects.select_related("changed_by")[:5]),
            "rules_url": admin_url(site, "ai_commerce_merchandising_rule_changelist"),
            "changes_url": admin_url(site, "ai_commerce_merchandising_rulechange_changelist")}

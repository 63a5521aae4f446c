"""What the placements serve, for a merchandising preview (``ai_commerce.arrangement.ranked``), and how experiment
arms do, for the merchandising dashboard (``ai_commerce.arrangement.arm_outcomes``). Lists are computed afresh,
never read from or written to the served cache."""

from ai_commerce.arrangement import ArmOutcome, Shown

from . import serving
from .models import ExperimentArm
from .verdict import results


def ranked(surface, *, user=None, query="", category="", product=None, k=10):
    """The list placement ``surface`` serves ``user`` (None: an anonymous visitor without history), or None when
    ``surface`` is not a placement (or needs a product and has none)."""
    categories = [category] if category else None
    if surface == "recommended":
        plan = serving.plan_recommended(user, k=k, categories=categories)
    elif surface == "trending":
        plan = serving.plan_trending(k=k, category=category or None, user=user)
    elif surface in ("similar", "bought_together") and product is not None:
        planner = serving.plan_similar if surface == "similar" else serving.plan_bought_together
        plan = planner(product, k=k, user=user, categories=categories)
    else:
        return None
    return [Shown(item.product.pk, getattr(item.product, "ai_title", None) or str(item.product), item.reason)
            for item in plan.compute()]


def arm_outcomes(arm_ids):
    """{arm id: ArmOutcome} of the experiment arms ``arm_ids``, from their experiments' results and verdicts."""
    arms = list(ExperimentArm.objects.filter(pk__in=arm_ids).select_related("experiment"))
    out = {}
    for experiment in {arm.experiment for arm in arms}:
        found = results(experiment)
        control = next((row for row in found["arms"] if row["arm"].is_control), None)
        for row in found["arms"]:
            if row["arm"].pk in arm_ids:
                out[row["arm"].pk] = ArmOutcome(
                    experiment=experiment.name, metric=experiment.get_metric_display(),
                    status=found["verdict"]["status"], verdict=str(found["verdict"]["text"]), rate=row["rate"],
                    control_rate=control["rate"] if control else None, lift_pct=row.get("lift"),
                    low=row.get("low"), high=row.get("high"), p=row.get("p"), significant=row.get("significant", False))
    return out

"""The results of an experiment per arm, and an honest verdict: a fixed-horizon test at the planned sample.

::

    from ai_commerce.recommendations.verdict import results

    r = results(experiment)   # {"arms": [...], "verdict": {...}, "horizon": "..."}

Per arm: visitors (users and anonymous sessions with an impression in the arm), impressions and clicks (each visitor
counted once per item: however often a shopper, or a script, sees or clicks one product in one arm, it is one
impression and at most one click, and only a click of something the arm showed that visitor counts), conversions
(visitors who bought a product the arm showed them within ``CONVERSION_DAYS`` after seeing it), the revenue of those
purchases (their order lines' quantity times unit price), and the primary metric's rate. Each other arm is compared
with the control: the difference with its confidence interval and a two-sided p-value (a z-test of two proportions
for click-through and conversion rates, Welch's test for revenue per visitor), at the experiment's significance
level split over the comparisons (Bonferroni).

**Fixed horizon.** Looking at the results early is safe because it decides nothing: until every arm has the planned
sample (impressions for click-through rate, visitors otherwise), the verdict is "too early", whatever the p-values
say. Then an arm is declared the winner only when it beats the control significantly; a control that beats every
other arm is kept, as it is when the arms are not told apart (neither changes what is served).
The statistics use the standard library's ``NormalDist`` (this module serves web requests, which never load
scipy); a test pins them to ``scipy.stats``.
"""

import math
from datetime import timedelta
from statistics import NormalDist

from django.db.models import (
    CharField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils.translation import gettext as _

from ai_commerce.models import Interaction

from .attribution import CONVERSION_DAYS
from .models import Experiment, PlacementEvent


def _counts(arm_ids):
    """{arm: impressions, clicks, users, sessions}, a visitor counted once per item: impressions are the distinct
    (visitor, product) pairs shown in the arm, clicks the distinct pairs clicked among those; events of nobody
    (no user, no session) are not counted."""
    pair = Concat(Coalesce(Cast("user_id", CharField()), Value("")), Value("|"), "session_key", Value("|"),
                  Cast("product_id", CharField()), output_field=CharField())
    shown = PlacementEvent.objects.filter(
        kind=PlacementEvent.Kind.IMPRESSION, arm=OuterRef("arm"), product=OuterRef("product")).filter(
        Q(user=OuterRef("user")) | Q(user__isnull=True, session_key=OuterRef("session_key")) & ~Q(session_key=""))
    impression, click = Q(kind=PlacementEvent.Kind.IMPRESSION), Q(kind=PlacementEvent.Kind.CLICK)
    rows = PlacementEvent.objects.filter(arm__in=arm_ids).filter(Q(user__isnull=False) | ~Q(session_key="")).values(
        "arm").annotate(
        impressions=Count(pair, distinct=True, filter=impression),
        clicks=Count(pair, distinct=True, filter=click & Q(Exists(shown))),
        users=Count("user", distinct=True, filter=impression),
        sessions=Count("session_key", distinct=True, filter=impression & Q(user__isnull=True)))
    return {row["arm"]: row for row in rows}


def _purchases(arm_ids):
    """{arm: {visitor: revenue}} of purchases of a product the arm showed the same visitor in the window before."""
    window = timedelta(days=CONVERSION_DAYS)
    revenue = ExpressionWrapper(F("quantity") * F("unit_price"), output_field=DecimalField(max_digits=18,
                                                                                           decimal_places=2))
    out = {arm: {} for arm in arm_ids}
    for field in ("user", "session_key"):
        seen = PlacementEvent.objects.filter(
            kind=PlacementEvent.Kind.IMPRESSION, arm__in=arm_ids, product=OuterRef("product"),
            occurred_at__lte=OuterRef("occurred_at"), occurred_at__gte=OuterRef("occurred_at") - window,
            **{field: OuterRef(field)}).order_by("-occurred_at").values("arm")[:1]
        bought = Interaction.objects.filter(kind=Interaction.Kind.PURCHASE)
        bought = bought.filter(user__isnull=False) if field == "user" else bought.filter(user__isnull=True).exclude(
            session_key="")
        rows = bought.annotate(arm=Subquery(seen)).filter(arm__isnull=False).values("arm", field).annotate(
            revenue=Sum(revenue))
        for row in rows:
            out[row["arm"]][f"{field}:{row[field]}"] = float(row["revenue"] or 0)
    return out


def _compare(metric, arm, control, alpha):
    """Difference of ``arm`` to ``control`` on ``metric``: (difference, low, high, two-sided p-value), or Nones.

    Proportions (click-through, conversion): the unpooled two-sample z-test. Revenue per visitor: Welch's test, in
    its large-sample normal form (the planned samples are hundreds of visitors or more, where Student's t and the
    normal agree to the third decimal). ``tests/recommendations/test_experiments.py`` pins both to scipy.stats.
    """
    if metric == Experiment.Metric.REVENUE:
        n1, n0 = arm["visitors"], control["visitors"]
        if n1 < 2 or n0 < 2:
            return None, None, None, None
        m1, m0 = arm["revenue"] / n1, control["revenue"] / n0
        v1 = max(arm["revenue_sq"] / n1 - m1**2, 0.0) * n1 / (n1 - 1)
        v0 = max(control["revenue_sq"] / n0 - m0**2, 0.0) * n0 / (n0 - 1)
        diff, se = m1 - m0, math.sqrt(v1 / n1 + v0 / n0)
    else:
        n1, n0 = arm["n"], control["n"]
        if not n1 or not n0:
            return None, None, None, None
        p1, p0 = arm["successes"] / n1, control["successes"] / n0
        diff, se = p1 - p0, math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    if se == 0:
        return diff, diff, diff, 1.0 if diff == 0 else 0.0
    normal = NormalDist()
    z = normal.inv_cdf(1 - alpha / 2)
    return diff, diff - z * se, diff + z * se, 2 * (1 - normal.cdf(abs(diff) / se))


def summarize(experiment, arms, counts, purchases):
    """The results from counts per arm (what ``results`` reads, or a simulation writes): see the module docstring.

    ``counts[arm.pk]`` has impressions, clicks, users and sessions; ``purchases[arm.pk]`` maps a visitor to revenue.
    """
    metric = experiment.metric
    rows = []
    for arm in arms:
        c = counts.get(arm.pk, {})
        bought = purchases.get(arm.pk, {})
        visitors = c.get("users", 0) + c.get("sessions", 0)
        impressions, clicks = c.get("impressions", 0), c.get("clicks", 0)
        row = {"arm": arm, "visitors": visitors, "impressions": impressions, "clicks": clicks,
               "conversions": len(bought), "revenue": sum(bought.values()),
               "revenue_sq": sum(v * v for v in bought.values())}
        row["n"], row["successes"] = ((impressions, clicks) if metric == Experiment.Metric.CTR
                                      else (visitors, len(bought)))
        row["rate"] = (row["revenue"] / visitors if visitors else None) if metric == Experiment.Metric.REVENUE else (
            row["successes"] / row["n"] if row["n"] else None)
        row["reached"] = row["n"] >= experiment.planned_per_arm
        rows.append(row)
    control = next((row for row in rows if row["arm"].is_control), None)
    alpha = experiment.significance / max(1, len(rows) - 1)
    for row in rows:
        if control is None or row is control:
            row.update(diff=None, low=None, high=None, p=None, lift=None, significant=False)
            continue
        diff, low, high, p = _compare(metric, row, control, alpha)
        row.update(diff=diff, low=low, high=high, p=p, significant=p is not None and p < alpha,
                   lift=(diff / control["rate"] * 100) if diff is not None and control["rate"] else None)
    return {"arms": rows, "verdict": _verdict(experiment, rows, control, alpha),
            "horizon": _("Fixed horizon: no verdict before every arm has %(n)s %(unit)s; looking earlier decides "
                         "nothing. Then a winner only at p < %(alpha)s (the %(level)s significance level split over "
                         "%(k)s comparison(s)).") % {
                "n": f"{experiment.planned_per_arm:,}", "unit": _unit(metric), "alpha": f"{alpha:.3g}",
                "level": f"{experiment.significance:g}", "k": max(1, len(rows) - 1)}}


def _unit(metric):
    return _("impressions") if metric == Experiment.Metric.CTR else _("visitors")


def _verdict(experiment, rows, control, alpha):
    if control is None or len(rows) < 2:
        return {"status": "invalid", "winner": None, "text": _("The experiment has no control arm to compare with.")}
    short = [row for row in rows if not row["reached"]]
    if short:
        least = min(row["n"] for row in short)
        return {"status": "too_early", "winner": None,
                "text": _("Too early: %(least)s of %(planned)s %(unit)s in the smallest arm. No winner is called "
                          "before the planned sample, so looking now changes nothing.") % {
                    "least": f"{least:,}", "planned": f"{experiment.planned_per_arm:,}",
                    "unit": _unit(experiment.metric)}}
    better = [row for row in rows if row is not control and row["significant"] and row["diff"] > 0]
    if better:
        best = max(better, key=lambda row: row["diff"])
        return {"status": "winner", "winner": best["arm"],
                "text": _("%(arm)s wins: %(lift)+.1f%% against the control, p = %(p).3g < %(alpha).3g.") % {
                    "arm": best["arm"].name, "lift": best["lift"] or 0.0, "p": best["p"], "alpha": alpha}}
    if all(row["significant"] and row["diff"] < 0 for row in rows if row is not control):
        return {"status": "control_better", "winner": None,
                "text": _("Every other arm is significantly worse than the control: keep the control.")}
    return {"status": "no_difference", "winner": None,
            "text": _("No arm is significantly better than the control at the planned sample: keep the control.")}


def results(experiment):
    """The results and verdict of ``experiment`` from the placement events and purchases (a few queries)."""
    arms = list(experiment.arms.select_related("version"))
    ids = [arm.pk for arm in arms]
    return summarize(experiment, arms, _counts(ids), _purchases(ids))

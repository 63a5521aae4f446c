"""The numbers behind the AI dashboard, each read with a fixed number of queries whatever the data size.

    from ai_commerce.dashboard import panels
    panels.installed_kinds()                   # ["recommendations", "sentiment", "pricing"] as installed
    panels.overview(kinds)                     # active version and last run per kind (2 queries)
    panels.events_per_day(days=60)             # one grouped query: {kind: {day: count}}
    panels.recommendations_panel(days=30)      # coverage of active users and products (3 queries)
    panels.sentiment_panel()                   # labels per month, falling products, flagged reviews (4 queries)
    panels.pricing_panel()                     # pending suggestions, realized vs expected effect (4 queries)

Nothing here imports the sub-apps' models at module level, so the core app works without them.
"""

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.apps import apps
from django.db.models import Count, DecimalField, Exists, ExpressionWrapper, F, Max, OuterRef, Q, Sum
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import TruncDay, TruncMonth
from django.utils import timezone

from ai_commerce.models import Interaction, ModelKind, ModelVersion, TrainingRun

#: The metrics shown for each kind, the first being the one promotion compares (see each app's training module).
KEY_METRICS = {
    "recommendations": ("recall_at_10", "ndcg_at_10", "best_baseline_recall_at_10"),
    "sentiment": ("macro_f1", "accuracy", "lexicon_macro_f1"),
    "pricing": ("demand_skill", "no_price_effect_skill", "coverage"),
}
#: A product's sentiment is "falling" when its last month's average is this much below the month before.
FALLING_DROP = 0.1
#: Days before and after a price change compared by the realized-effect table.
EFFECT_WINDOW_DAYS = 28
#: How many applied price changes the realized-effect table shows (the most recent).
EFFECT_CHANGES = 20
#: How many versions per kind the metrics chart draws (the most recent).
VERSIONS_CHARTED = 50


def installed_kinds():
    """Return the capability kinds whose app is in INSTALLED_APPS, in a fixed order."""
    return [kind for kind in ModelKind.values if apps.is_installed(f"ai_commerce.{kind}")]


def key_metrics(version_or_kind, metrics=None):
    """Return ``[(name, value)]`` of the key numeric metrics of a version (or of ``metrics`` for a kind)."""
    if isinstance(version_or_kind, ModelVersion):
        kind, metrics = version_or_kind.kind, version_or_kind.metrics
    else:
        kind = version_or_kind
    metrics = metrics or {}
    names = [n for n in KEY_METRICS.get(kind, ()) if n in metrics]
    if not names:  # an unknown kind or a trainer with other names: its first numeric metrics
        names = [n for n, v in metrics.items() if isinstance(v, int | float) and not isinstance(v, bool)][:3]
    return [(name, metrics[name]) for name in names]


def flat_metrics(metrics, prefix=""):
    """Return the numeric metrics as ``{dotted name: value}``, nested dicts flattened (``baselines.pop.recall``)."""
    flat = {}
    for name, value in (metrics or {}).items():
        if isinstance(value, dict):
            flat.update(flat_metrics(value, f"{prefix}{name}."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            flat[f"{prefix}{name}"] = value
    return flat


# -- every capability ------------------------------------------------------------------------------------------
def last_runs(kinds):
    """Return ``{kind: TrainingRun}``, the latest run of each kind, in one query."""
    latest = TrainingRun.objects.filter(kind__in=kinds).values("kind").annotate(last=Max("pk")).values("last")
    return {run.kind: run for run in TrainingRun.objects.filter(pk__in=latest).select_related("model_version")}


def overview(kinds):
    """Return ``{kind: {"active": ModelVersion|None, "run": TrainingRun|None}}`` in two queries."""
    active = {v.kind: v for v in ModelVersion.objects.active().filter(kind__in=kinds)}
    runs = last_runs(kinds)
    return {kind: {"active": active.get(kind), "run": runs.get(kind)} for kind in kinds}


def versions_over_time(kinds):
    """Return ``{kind: [ModelVersion, ...]}`` oldest first, at most VERSIONS_CHARTED each, in one query."""
    by_kind = defaultdict(list)
    rows = (ModelVersion.objects.filter(kind__in=kinds).exclude(status=ModelVersion.Status.FAILED)
            .only("pk", "kind", "status", "is_active", "metrics", "created_at").order_by("-created_at", "-pk"))
    for version in rows[: VERSIONS_CHARTED * len(kinds)]:
        by_kind[version.kind].append(version)
    return {kind: list(reversed(by_kind[kind][:VERSIONS_CHARTED])) for kind in kinds}


def day_range(days, now=None):
    """Return the ``days`` calendar days ending today (local time), oldest first."""
    today = timezone.localdate(now or timezone.now())
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def _as_date(value):
    return timezone.localdate(value) if timezone.is_aware(value) else value.date()


def events_per_day(days=60, now=None):
    """Return ``(day list, {event kind: [count per day]})`` for the last ``days`` days, in one grouped query."""
    dates = day_range(days, now)
    since = timezone.make_aware(datetime.combine(dates[0], time.min))
    rows = (Interaction.objects.filter(occurred_at__gte=since).annotate(day=TruncDay("occurred_at"))
            .values("day", "kind").annotate(n=Count("pk")).order_by())
    index = {day: i for i, day in enumerate(dates)}
    series = {}
    for row in rows:
        i = index.get(_as_date(row["day"]))
        if i is not None:
            series.setdefault(row["kind"], [0] * len(dates))[i] += row["n"]
    labels = dict(Interaction.Kind.choices)
    ordered = {str(labels.get(k, k)): series[k] for k in Interaction.Kind.values if k in series}
    return dates, ordered


# -- recommendations -------------------------------------------------------------------------------------------
def recommendations_panel(active, days=30, now=None):
    """Return coverage: active users (events in the last ``days`` days) and products with recommendations.

    Three queries. ``active`` is the active recommendations ModelVersion or None.
    """
    from ai_commerce.adapter import get_adapter
    from ai_commerce.recommendations.models import Recommendation

    since = (now or timezone.now()) - timedelta(days=days)
    recs = Recommendation.objects.filter(model_version=active) if active else Recommendation.objects.none()
    users = Interaction.objects.filter(occurred_at__gte=since, user__isnull=False).aggregate(
        active=Count("user", distinct=True),
        covered=Count("user", distinct=True, filter=Q(user__in=recs.values("user_id"))),
    )
    adapter = get_adapter()
    products = adapter.get_product_queryset()
    if adapter.has("active"):
        products = products.annotate(ai_active=adapter.product_expression("active")).filter(ai_active=True)
    product_counts = products.aggregate(
        total=Count("pk"), covered=Count("pk", filter=Q(Exists(recs.filter(product=OuterRef("pk"))))))
    rows = recs.aggregate(n=Count("pk"), users=Count("user", distinct=True)) if active else {"n": 0, "users": 0}
    return {
        "days": days,
        "active_users": users["active"], "covered_users": users["covered"],
        "user_share": _share(users["covered"], users["active"]),
        "products": product_counts["total"], "covered_products": product_counts["covered"],
        "product_share": _share(product_counts["covered"], product_counts["total"]),
        "rows": rows["n"], "users_with_rows": rows["users"],
        "online": online_metrics(days, now),
    }


def online_metrics(days=30, now=None):
    """Return, per placement and model version over the last ``days`` days: impressions, clicks, CTR, and
    conversions (clicks followed by a purchase of the product by the same shopper within CONVERSION_DAYS).

    One grouped query.
    """
    from ai_commerce.recommendations.attribution import CONVERSION_DAYS
    from ai_commerce.recommendations.models import PlacementEvent

    since = (now or timezone.now()) - timedelta(days=days)
    bought_after = Interaction.objects.filter(
        kind=Interaction.Kind.PURCHASE, product=OuterRef("product"), user=OuterRef("user"),
        occurred_at__gte=OuterRef("occurred_at"),
        occurred_at__lte=OuterRef("occurred_at") + timedelta(days=CONVERSION_DAYS))
    rows = (PlacementEvent.objects.filter(occurred_at__gte=since).values("placement", "version")
            .annotate(impressions=Count("pk", filter=Q(kind="impression")), clicks=Count("pk", filter=Q(kind="click")),
                      conversions=Count("pk", filter=Q(kind="click", user__isnull=False) & Q(Exists(bought_after))))
            .order_by("placement", "-version"))
    return [{**row, "ctr": _share(row["clicks"], row["impressions"]),
             "conversion": _share(row["conversions"], row["clicks"])} for row in rows]


def _share(part, whole):
    return part / whole if whole else None


# -- sentiment -------------------------------------------------------------------------------------------------
def sentiment_labels_per_month(months=12, now=None):
    """Return ``(month list, {label: [count per month]})`` for reviews written in the last ``months`` months."""
    from ai_commerce.sentiment.models import Label, ReviewSentiment

    today = timezone.localdate(now or timezone.now())
    first = today.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    since = timezone.make_aware(datetime.combine(first, time.min))
    rows = (ReviewSentiment.objects.filter(reviewed_at__gte=since).annotate(month=TruncMonth("reviewed_at"))
            .values("month", "label").annotate(n=Count("pk")).order_by())
    month_list, month = [], first
    while month <= today:
        month_list.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    index = {(m.year, m.month): i for i, m in enumerate(month_list)}
    labels = dict(Label.choices)
    series = {}
    for row in rows:
        key = (row["month"].year, row["month"].month)
        if key in index:
            series.setdefault(row["label"], [0] * len(month_list))[index[key]] += row["n"]
    ordered = {str(labels[k]): series[k] for k in Label.values if k in series}
    return [m.strftime("%Y-%m") for m in month_list], ordered


def falling_products(limit=10, drop=FALLING_DROP):
    """Return products whose last month's average sentiment fell by ``drop`` or more, worst first (2 queries)."""
    from ai_commerce.sentiment.models import ProductSentiment

    falling = []
    # Read only the trend from the database, not the pros and cons.
    rows = ProductSentiment.objects.filter(review_count__gt=1).values("product_id",
                                                                      trend=KeyTransform("trend", "summary"))
    for row in rows:
        trend = row["trend"] or []
        if len(trend) < 2:
            continue
        before, last = trend[-2], trend[-1]
        change = float(last.get("average_score") or 0) - float(before.get("average_score") or 0)
        if change <= -drop:
            falling.append({"product_id": row["product_id"], "change": change, "before": before, "last": last})
    falling.sort(key=lambda item: item["change"])
    falling = falling[:limit]
    from ai_commerce.adapter import get_product_model

    products = get_product_model()._default_manager.in_bulk([item["product_id"] for item in falling])
    for item in falling:
        item["product"] = products.get(item["product_id"])
    return falling


def sentiment_panel(now=None):
    """Return labels per month, falling products and flagged review counts (4 queries)."""
    from ai_commerce.sentiment.models import ReviewSentiment

    months, series = sentiment_labels_per_month(now=now)
    flagged = ReviewSentiment.objects.flagged().aggregate(
        total=Count("pk"), pending=Count("pk", filter=Q(moderation=ReviewSentiment.Moderation.PENDING)))
    return {"months": months, "series": series, "falling": falling_products(),
            "flagged": flagged["total"], "flagged_pending": flagged["pending"]}


# -- pricing ---------------------------------------------------------------------------------------------------
def realized_effects(limit=EFFECT_CHANGES, window_days=EFFECT_WINDOW_DAYS, now=None):
    """Compare the units and revenue per week before and after each recent applied price with the expectation.

    For each of the ``limit`` latest applied prices, the windows are up to ``window_days`` days before and after
    the change, cut at the product's previous and next price change and at now. Three queries: the changes with their
    suggestions, every change of those products (the window bounds), and one aggregate over the purchase events with
    a filtered sum per window.
    """
    from ai_commerce.pricing.models import PriceChange

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
    from ai_commerce.pricing.models import PriceSuggestion

    status = PriceSuggestion.Status
    counts = PriceSuggestion.objects.aggregate(
        pending=Count("pk", filter=Q(status=status.PENDING)), approved=Count("pk", filter=Q(status=status.APPROVED)),
        applied=Count("pk", filter=Q(status=status.APPLIED)))
    return {**counts, "effects": realized_effects(now=now)}

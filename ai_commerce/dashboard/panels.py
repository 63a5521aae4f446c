"""The numbers behind the AI dashboard that every capability shares, each read with a fixed number of queries.

    from ai_commerce.dashboard import panels
    panels.overview(kinds)                     # active version and last run per kind (2 queries)
    panels.versions_over_time(kinds)           # the versions charted per kind (1 query)
    panels.events_per_day(days=60)             # {kind: [count per day]} up to the newest event (2 queries)
    panels.key_metrics(version)                # the capability's key metrics of a version

Each capability draws its own panel (``CapabilityConfig.dashboard_panel``); nothing here names one.
"""

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.db.models import Count, Max
from django.db.models.functions import TruncDay
from django.utils import timezone

from ai_commerce import capabilities
from ai_commerce.models import Interaction, ModelVersion, TrainingRun

#: How many versions per kind the metrics chart draws (the most recent).
VERSIONS_CHARTED = 50


def key_metric_names(kind):
    """Return the names of the key metrics that capability ``kind`` declares (the first is the promoted one)."""
    capability = capabilities.get(kind)
    return tuple(capability.key_metrics) if capability else ()


def key_metrics(version_or_kind, metrics=None):
    """Return ``[(name, value)]`` of the key numeric metrics of a version (or of ``metrics`` for a kind)."""
    if isinstance(version_or_kind, ModelVersion):
        kind, metrics = version_or_kind.kind, version_or_kind.metrics
    else:
        kind = version_or_kind
    metrics = metrics or {}
    names = [n for n in key_metric_names(kind) if n in metrics]
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


def newest_day(queryset, field, now=None):
    """Return the local day of ``queryset``'s newest ``field`` (no later than today), or today when it is empty: the
    day a monitoring window ends on, so a shop whose data stopped still sees its last weeks. One query."""
    today = timezone.localdate(now or timezone.now())
    newest = queryset.aggregate(newest=Max(field))["newest"]
    return today if newest is None else min(_as_date(newest), today)


def day_range(days, end):
    """Return the ``days`` calendar days ending on ``end``, oldest first."""
    return [end - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def _as_date(value):
    return timezone.localdate(value) if timezone.is_aware(value) else value.date()


def events_per_day(days=60, now=None):
    """Return ``(day list, {event kind: [count per day]})`` for the ``days`` days up to the newest event's day, in two
    queries."""
    dates = day_range(days, newest_day(Interaction.objects.all(), "occurred_at", now))
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


def share(part, whole):
    """``part / whole``, or None when there is no whole."""
    return part / whole if whole else None

"""Restock each shopper's units over the horizon as their past weekly rate, judged against restocking nothing."""

from datetime import timedelta

from ai_commerce import registry
from ai_commerce.models import Interaction, ModelVersion
from ai_commerce.tuning import tuned

from .models import UserDemand


def rates(events, start, end):
    """{user: units per day} over [start, end)."""
    days = max((end - start).days, 1)
    out = {}
    for user, when, quantity in events:
        if start <= when < end:
            out[user] = out.get(user, 0.0) + quantity / days
    return out


def train(reporter):
    conf = tuned("restock")
    events = list(Interaction.objects.filter(kind="purchase", user__isnull=False).order_by("occurred_at")
                  .values_list("user_id", "occurred_at", "quantity"))
    if len(events) < 10:
        raise registry.NotEnoughData(len(events), 10, "purchases")
    first, newest = events[0][1], events[-1][1]
    horizon = timedelta(days=conf["HORIZON_DAYS"])
    cut = newest - horizon
    reporter.progress(30, "judging on the newest days")
    before, after = rates(events, first, cut), rates(events, cut, newest + timedelta(seconds=1))
    users = set(before) | set(after)
    days = horizon.days
    mae = sum(abs(before.get(u, 0) * days - after.get(u, 0) * days) for u in users) / len(users)
    naive = sum(after.get(u, 0) * days for u in users) / len(users)
    metrics = {"mae": round(mae, 4), "naive_mae": round(naive, 4), "skill": round(1 - mae / naive, 4) if naive else 0.0,
               "naive_skill": 0.0, "holdout_start": cut.isoformat(), "holdout_end": newest.isoformat(),
               "judged_on": {"users": len(users)}}
    version = ModelVersion.objects.create(kind="restock", metrics=metrics, params=dict(conf),
                                          data_start=first, data_end=newest)
    UserDemand.objects.bulk_create(UserDemand(model_version=version, user_id=user, units=rate * days)
                                   for user, rate in rates(events, first, newest).items())
    reporter.progress(90, "comparing with restocking nothing")
    registry.promote_if_better(version, metric="skill", baselines=["naive_skill"], compare_active=False)
    version.refresh_from_db()
    return version

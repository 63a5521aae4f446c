"""A tiny real trainer for registry and worker tests: it counts purchases per product from the event log, stores
the counts as an artifact and a held-out hit rate as its metric, then asks the registry to promote it."""

import json
from contextlib import contextmanager

from django.utils import timezone

from ai_commerce import registry
from ai_commerce.models import Interaction, ModelVersion

MIN_EVENTS = 3


@contextmanager
def trainer_for(kind, trainer):
    """Register ``trainer`` for ``kind`` inside the block, then put back the app's own trainer."""
    previous = registry._trainers.get(kind)
    registry.register_trainer(kind, trainer)
    try:
        yield
    finally:
        registry._trainers.pop(kind, None)
        if previous is not None:
            registry.register_trainer(kind, previous)


def popularity_trainer(reporter, kind="pricing"):
    purchases = list(Interaction.objects.filter(kind="purchase").order_by("occurred_at")
                     .values_list("product_id", "occurred_at"))
    if len(purchases) < MIN_EVENTS:
        raise registry.NotEnoughData(len(purchases), MIN_EVENTS)
    reporter.progress(30, "counting")
    cut = len(purchases) * 2 // 3
    counts = {}
    for product_id, _ in purchases[:cut]:
        counts[product_id] = counts.get(product_id, 0) + 1
    top = max(counts, key=counts.get)
    held_out = [p for p, _ in purchases[cut:]]
    hit_rate = sum(p == top for p in held_out) / len(held_out)
    reporter.log(f"{len(purchases)} purchases, top product {top}")
    version = ModelVersion.objects.create(
        kind=kind, params={"min_events": MIN_EVENTS}, metrics={"hit_rate": hit_rate, "baseline_zero": 0.0},
        data_start=purchases[0][1], data_end=purchases[-1][1],
    )
    registry.save_artifact(version, "counts.json", json.dumps(counts).encode())
    reporter.progress(90, "promoting")
    registry.promote_if_better(version, metric="hit_rate", baselines=["baseline_zero"])
    version.refresh_from_db()
    return version


def failing_trainer(reporter):
    reporter.progress(10, "about to fail")
    raise RuntimeError("boom at " + timezone.now().isoformat())

"""Training recommendations in the registry with the real engine (a tiny TFRS model): the event log in, a version
with held-out metrics and artifacts out, its serving tables written, promotion gated, and a real worker end to end."""

import datetime as dt
import random

import pytest
from django.db.models import Count, F
from django.utils import timezone
from django.utils.html import escape

from ai_commerce import locks, registry, tasks
from ai_commerce.models import Interaction, ModelVersion, TrainingRun
from ai_commerce.recommendations import precompute, serving, training
from ai_commerce.recommendations import tasks as tasks_of_recommendations
from ai_commerce.recommendations.models import Recommendation, RelatedProduct, TrendingProduct
from tests.conftest import wait_for
from tests.factories import ItemFactory, SectionFactory, StockRecordFactory, UserFactory

pytestmark = pytest.mark.django_db
real_chunks = precompute.user_chunks
TINY = {"tt_epochs": 1, "tt_dim": 8, "holdout_days": 14, "label_days": 14, "candidates_per_source": 20,
        "ranker_iterations": 20}


def configure(settings, **recommendations):
    """Tiny hyperparameters, plus ``recommendations`` settings (reassigned, so that ai_commerce reloads them)."""
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "RECOMMENDATIONS": {
        "PARAMS": TINY, "CHUNK_SIZE": 10, "TOP_K": 10, "RELATED_K": 5, **recommendations}}


@pytest.fixture
def tiny(settings):
    configure(settings)


@pytest.fixture
def history():
    """40 shoppers over 120 days who buy within two 'tastes' (sections), in orders of 1-3 items, plus views."""
    rng = random.Random(5)
    sections = [SectionFactory(name="Tea"), SectionFactory(name="Garden")]
    items = {s.name: [] for s in sections}
    for section in sections:
        for i in range(10):
            item = ItemFactory(label=f"{section.name} thing {i}", summary=f"A {section.name.lower()} thing.")
            item.sections.add(section)
            StockRecordFactory(item=item, num_in_stock=20)
            items[section.name].append(item)
    users = UserFactory.create_batch(40)
    start = timezone.now() - dt.timedelta(days=120)
    events = []
    for n, user in enumerate(users):
        taste = items["Tea" if n % 2 else "Garden"]
        for order in range(rng.randint(3, 7)):
            when = start + dt.timedelta(days=rng.uniform(0, 120))
            for item in rng.sample(taste[:7] if order % 3 else taste, rng.randint(1, 3)):
                events.append(Interaction(user=user, product=item, kind="purchase", order_ref=f"{n}-{order}",
                                          occurred_at=when, source="backfill", event_id=f"t{len(events)}"))
            view = rng.choice(taste)
            events.append(Interaction(user=user, product=view, kind="view", occurred_at=when, source="client",
                                      event_id=f"t{len(events)}"))
    Interaction.objects.bulk_create(events)
    return {"users": users, "items": items}


def run():
    return registry.execute_run(TrainingRun.objects.create(kind="recommendations").pk)


@pytest.mark.train
def test_a_retrain_writes_a_version_its_artifacts_and_serving_tables(tiny, history, settings):
    configure(settings, PROMOTION_TOLERANCE=1.0)  # the gate has its own test below
    done = run()
    assert done.status == "succeeded", done.error
    version = done.model_version
    metrics = version.metrics
    assert {"recall_at_10", "ndcg_at_10", "best_baseline_recall_at_10", "popularity_recall_at_10",
            "item_knn_recall_at_10"} <= set(metrics)
    assert any(name.startswith("model/") for name in version.artifacts)
    assert version.is_active, version.note
    assert Recommendation.objects.filter(model_version=version).values("user").distinct().count() >= 30
    assert RelatedProduct.objects.filter(model_version=version, kind="similar").exists()
    assert RelatedProduct.objects.filter(model_version=version, kind="bought_together").exists()
    assert TrendingProduct.objects.filter(model_version=version, category="").exists()
    shopper = history["users"][1]
    bought = set(Interaction.objects.filter(user=shopper, kind="purchase").values_list("product_id", flat=True))
    got = serving.recommended_for(shopper, k=5)
    assert len(got) == 5 and not bought & {i.product.pk for i in got} and all(i.reason for i in got)


@pytest.mark.train
def test_the_stored_model_loads_and_recommends_what_was_precomputed(tiny, history, settings):
    configure(settings, PROMOTION_TOLERANCE=1.0)  # keep the rows whatever the tiny metric
    version = run().model_version
    precompute._loaded.clear()
    model = precompute.load_model(version)  # from the artifacts in storage, as a worker does
    user = history["users"][3].pk
    stored = list(Recommendation.objects.filter(model_version=version, user_id=user).order_by("rank")
                  .values_list("product_id", flat=True))
    assert stored and [rec.item for rec in model.recommend([user], 10)[user]][:len(stored)] == stored


@pytest.mark.train
def test_a_worse_model_is_kept_but_not_promoted_and_the_active_one_serves_on(tiny, history):
    # An active version no new model can match (a recall above 1), so the gate must keep the new one back.
    best = ModelVersion.objects.create(kind="recommendations", metrics={"recall_at_10": 1.5})
    registry.activate(best)
    version = run().model_version
    assert not version.is_active and version.status == "not_promoted" and "recall_at_10" in version.note, version.note
    assert ModelVersion.objects.of_kind("recommendations").active().get() == best
    assert not Recommendation.objects.filter(model_version=version).exists()


def test_too_little_data_skips_the_run_and_keeps_the_active_version(tiny):
    Interaction.objects.create(user=UserFactory(), product=ItemFactory(), kind="purchase", source="backfill")
    done = run()
    assert done.status == "skipped" and "not enough data" in done.message
    assert not ModelVersion.objects.of_kind("recommendations").exists()


@pytest.mark.train
def test_a_history_that_ended_long_ago_is_judged_on_its_own_newest_days(tiny, history, settings, admin_client):
    """A restored backup or last year's import: the held-out window ends at the newest event, not today."""
    configure(settings, PROMOTION_TOLERANCE=1.0)
    Interaction.objects.update(occurred_at=F("occurred_at") - dt.timedelta(days=400))
    newest = Interaction.objects.latest("occurred_at").occurred_at
    done = run()
    assert done.status == "succeeded", done.message
    version = done.model_version
    metrics = version.metrics
    assert metrics["holdout_end"] == newest.isoformat(timespec="seconds")
    start = dt.datetime.fromisoformat(metrics["holdout_start"])
    assert metrics["holdout_days"] >= 14 and newest - start >= dt.timedelta(days=14)
    assert metrics["evaluated_users"] >= 10 and metrics["evaluated_products"] >= 1
    assert metrics["recall_at_10"] is not None and version.is_active, version.note
    assert "judged on" in done.log and "users" in done.log
    page = admin_client.get("/admin/ai_commerce/dashboard/").content.decode()
    assert (f"Held out: {metrics['holdout_start'][:10]} to {newest:%Y-%m-%d}, judged on "
            f"{metrics['evaluated_users']} users, {metrics['evaluated_products']} products") in page


def test_a_window_too_thin_to_judge_skips_the_run_and_says_what_to_do(tiny, history, settings, admin_client):
    configure(settings, PARAMS={**TINY, "holdout_min_users": 1000})
    done = run()
    assert done.status == "skipped" and done.model_version is None
    assert "evaluable users in the held-out newest" in done.message and "need 1000" in done.message
    assert "holdout_min_users" in done.message  # what to do about it
    assert not ModelVersion.objects.of_kind("recommendations").exists()
    page = admin_client.get("/admin/ai_commerce/dashboard/").content.decode()
    assert 'ai-status-skipped">skipped</strong>' in page and "evaluable users" in page


@pytest.mark.services
def test_a_real_worker_runs_a_tiny_retrain_end_to_end(live_worker, tiny, history, settings):
    configure(settings, PROMOTION_TOLERANCE=1.0)
    queued = tasks.enqueue_training("recommendations", triggered_by="test")
    wait_for(lambda: TrainingRun.objects.get(pk=queued.pk).status not in ("queued", "running"), timeout=300)
    queued.refresh_from_db()
    assert queued.status == "succeeded", queued.error
    assert queued.model_version.is_active and Recommendation.objects.filter(model_version=queued.model_version)


@pytest.mark.services
def test_the_fan_out_finishes_on_one_worker_of_concurrency_1(live_worker, tiny, history, settings):
    """The training task hands the chunks to a chord and returns, so it never holds the only slot they need."""
    configure(settings, FAN_OUT=True, PROMOTION_TOLERANCE=1.0)  # 4 chunks of 10 users
    assert live_worker.concurrency == 1
    queued = tasks.enqueue_training("recommendations", triggered_by="test")
    wait_for(lambda: TrainingRun.objects.get(pk=queued.pk).status not in ("queued", "running"), timeout=300)
    queued.refresh_from_db()
    assert queued.status == "succeeded", queued.error
    assert "in 4 chunks on the workers" in queued.log and queued.model_version.is_active
    assert Recommendation.objects.filter(model_version=queued.model_version).values("user").distinct().count() >= 30
    assert not locks.is_held(registry.lock_name("recommendations"))


@pytest.mark.services
def test_a_chunk_that_fails_for_good_fails_the_run_and_frees_its_lock(live_worker, tiny, history, settings,
                                                                      monkeypatch):
    configure(settings, FAN_OUT=True, PROMOTION_TOLERANCE=1.0)
    real = precompute.score_users

    def third_chunk_breaks(version, user_ids, **kwargs):
        if sorted(user_ids) == sorted(chunks[2]):
            raise RuntimeError("disk full")
        return real(version, user_ids, **kwargs)

    chunks = []

    def remembered_chunks(model, conf):
        chunks[:] = real_chunks(model, conf)
        return chunks

    monkeypatch.setattr(precompute, "user_chunks", remembered_chunks)
    monkeypatch.setattr(precompute, "score_users", third_chunk_breaks)
    monkeypatch.setattr(tasks_of_recommendations.score_users_task, "max_retries", 0)
    queued = tasks.enqueue_training("recommendations", triggered_by="test")
    wait_for(lambda: TrainingRun.objects.get(pk=queued.pk).status not in ("queued", "running"), timeout=300)
    queued.refresh_from_db()
    assert queued.status == "failed" and "disk full" in queued.message
    assert not locks.is_held(registry.lock_name("recommendations"))
    assert not ModelVersion.objects.of_kind("recommendations").active().exists()


@pytest.mark.train
def test_scoring_fans_out_in_chunks_as_a_group_of_tasks(tiny, history, settings):
    configure(settings, FAN_OUT=True, PROMOTION_TOLERANCE=1.0)  # 4 chunks of 10 users
    version = run().model_version
    assert version.is_active
    assert Recommendation.objects.filter(model_version=version).values("user").distinct().count() >= 30


def test_guest_orders_feed_training_as_shoppers_of_their_own_but_get_no_lists():
    from tests.factories import PurchaseFactory, SaleLineFactory

    a, b = ItemFactory(), ItemFactory()
    for _ in range(2):
        guest = PurchaseFactory(buyer=None)
        SaleLineFactory(purchase=guest, article=a)
        SaleLineFactory(purchase=guest, article=b)
    SaleLineFactory(article=a)  # a customer's
    log = training.interactions()
    guests = sorted({int(u) for u in log.users.tolist() if int(u) < 0})
    assert guests == [-2, -1] and len(log) == 5  # one shopper per guest order, in order of time
    assert set(log.orders.tolist()) == {str(p) for p in Interaction.objects.values_list("order_ref", flat=True)}


@pytest.fixture
def everyone_buys_the_bestsellers():
    """30 shoppers with no taste of their own: each order is a few items drawn by one shop-wide popularity curve, so
    nothing personal is there to learn and plain popularity is the best anyone can do."""
    rng = random.Random(11)
    items = [ItemFactory(label=f"Bestseller {i}") for i in range(16)]
    for item in items:
        StockRecordFactory(item=item, num_in_stock=50)
    weights = [1 / (rank + 1) ** 1.3 for rank in range(len(items))]
    start = timezone.now() - dt.timedelta(days=90)
    events = []
    for n, user in enumerate(UserFactory.create_batch(30)):
        for order in range(rng.randint(3, 6)):
            when = start + dt.timedelta(days=rng.uniform(0, 90))
            for item in set(rng.choices(items, weights=weights, k=rng.randint(1, 3))):
                events.append(Interaction(user=user, product=item, kind="purchase", order_ref=f"{n}-{order}",
                                          occurred_at=when, source="backfill", event_id=f"p{len(events)}"))
    Interaction.objects.bulk_create(events)
    return items


@pytest.mark.train
def test_where_popularity_wins_the_popularity_baseline_serves_with_reasons(tiny, everyone_buys_the_bestsellers,
                                                                          admin_client):
    done = run()
    assert done.status == "succeeded", done.error
    version = done.model_version
    metrics = version.metrics
    assert metrics["served"] == "popularity", metrics["served_reason"]
    assert metrics["learned"]["recall_at_10"] <= metrics["popularity_recall_at_10"]
    assert metrics["recall_at_10"] == metrics["popularity_recall_at_10"] == metrics["best_baseline_recall_at_10"]
    assert version.is_active, version.note
    rows = Recommendation.objects.filter(model_version=version)
    assert rows.values("user").distinct().count() == 30
    assert set(rows.values_list("reason", flat=True)) == {"popular"}
    # everyone gets the bestsellers they have not bought yet, by distinct buyers over the whole history
    buyers = {row["product_id"]: row["n"] for row in Interaction.objects.values("product_id")
              .annotate(n=Count("user_id", distinct=True))}
    for shopper in {row.user_id for row in rows}:
        bought = set(Interaction.objects.filter(user_id=shopper).values_list("product_id", flat=True))
        ranked = sorted((pk for pk in buyers if pk not in bought), key=lambda pk: (-buyers[pk], str(pk)))
        mine = list(rows.filter(user_id=shopper).order_by("rank").values_list("product_id", flat=True))
        assert mine == ranked[:len(mine)] and len(mine) == min(10, len(ranked))
    assert metrics["served_reason"] in done.log
    page = admin_client.get("/admin/ai_commerce/dashboard/").content.decode()
    assert "Serving the popularity baseline." in page and escape(metrics["served_reason"]) in page
    chart = page.split("ai-systems-chart", 1)[1].split("</svg>", 1)[0]
    assert "learned system" in chart and "popularity" in chart and "ALS" in chart


@pytest.mark.train
def test_the_active_version_is_rescored_on_the_new_split_not_by_its_old_metric(tiny, history):
    """An active version's stored Recall@10 came from another window; the gate re-judges its configuration (here
    trending alone, ranked by rank fusion) on the new version's split."""
    old = ModelVersion.objects.create(kind="recommendations", params={**TINY},
                                      metrics={"recall_at_10": 0.99, "sources": ["trending"], "ranker": "none",
                                               "served": "learned"})
    registry.activate(old)
    done = run()
    assert done.status == "succeeded", done.error
    version = done.model_version
    rescored = version.metrics["active_recall_at_10"]
    assert rescored < 0.99 and f"the active version ({old}) scores Recall@10 {rescored}" in done.log
    assert version.metrics["recall_at_10"] >= rescored and version.is_active, version.note


@pytest.mark.train
def test_a_shop_of_ratings_alone_is_told_which_setting_makes_them_count(tiny, settings):
    """Reviews' stars logged as ratings, no orders: by default nothing counts as a purchase, so the run is skipped
    with the reason and the setting; once ratings count, it trains."""
    rng = random.Random(3)
    items = [ItemFactory(label=f"Rated {i}") for i in range(12)]
    for item in items:
        StockRecordFactory(item=item, num_in_stock=5)
    start = timezone.now() - dt.timedelta(days=120)
    events = []
    for n, user in enumerate(UserFactory.create_batch(40)):
        for item in rng.sample(items[:6] if n % 2 else items[6:], 5):
            events.append(Interaction(user=user, product=item, kind="rating", value=rng.choice([2, 4, 5, 5]),
                                      occurred_at=start + dt.timedelta(days=rng.uniform(0, 120)),
                                      source="backfill", event_id=f"r{len(events)}"))
    Interaction.objects.bulk_create(events)
    done = run()
    assert done.status == "skipped" and "no event counts as a purchase" in done.message
    assert "positive_kinds" in done.message and "warning: no event counts as a purchase" in done.log
    configure(settings, PARAMS={**TINY, "positive_kinds": ["purchase", "rating"]}, PROMOTION_TOLERANCE=1.0)
    done = run()
    assert done.status == "succeeded", done.message
    assert "no purchase has an order reference" in done.log and done.model_version.metrics["evaluated_users"] > 0

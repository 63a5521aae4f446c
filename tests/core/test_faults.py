"""Faults: a cache or broker outage loses nothing, a killed worker does not block training, retries happen.

Each test reproduces one fault with the real thing where it can: a Redis on a port where nothing listens (the cache
or the broker down), a training process killed with SIGKILL, a database error raised by the trainer.
"""

import multiprocessing
import os
import signal
import time
import uuid

import pytest
from django.db import OperationalError, connection, connections
from rest_framework.test import APIClient

from ai_commerce import locks, registry, tasks
from ai_commerce.models import Interaction, TrainingRun
from ai_commerce.sentiment.models import ReviewSentiment
from tests.celery_app import app as celery_app
from tests.conftest import need_service, wait_for
from tests.factories import FeedbackFactory, ItemFactory, SaleLineFactory, UserFactory
from tests.services import DEAD_REDIS, REDIS_URL
from tests.trainers import popularity_trainer, trainer_for

pytestmark = pytest.mark.django_db
DEAD_BROKER = "redis://127.0.0.1:1/0"
#: The Redis lock test's lock: a name of its own, since other runs of the suite may share this Redis.
LOCK = f"test-{uuid.uuid4().hex}"


def configure(settings, **changes):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, **changes}


@pytest.fixture
def cache_down(settings):
    """Every cache alias is a Redis where nothing listens: the throttle, serving, sessions' recent products, locks."""
    settings.CACHES = {"default": DEAD_REDIS}


@pytest.fixture
def broker_down(settings, monkeypatch):
    """Tasks are sent (not run eagerly) to a broker where nothing listens; the publish gives up at once."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.get("broker_url")  # loads the app's configuration, so that the patches below sit on top
    for key, value in {"broker_url": DEAD_BROKER, "task_always_eager": False, "broker_connection_timeout": 0.5,
                       "task_publish_retry": False, "broker_connection_retry": False}.items():
        monkeypatch.setitem(celery_app.conf.changes, key, value)  # undone after the test
    _new_connections()
    yield
    monkeypatch.undo()
    _new_connections()


def _new_connections():
    """Drop the app's broker connections and producers, so that the next send connects to ``broker_url``."""
    celery_app._pool = None  # what Celery itself resets after a fork
    celery_app.amqp._producer_pool = None


# -- the cache is down -------------------------------------------------------------------------------------------
def test_events_are_stored_and_unthrottled_when_the_cache_is_down(cache_down, settings, caplog):
    configure(settings, EVENTS_THROTTLE_RATE="1/min")
    item, client = ItemFactory(), APIClient()
    codes = [client.post("/ai/api/events/", {"events": [{"kind": "view", "product": item.pk}]},
                         format="json").status_code for _ in range(3)]
    assert codes == [201, 201, 201]  # the throttle fails open rather than losing events
    assert Interaction.objects.filter(product=item, kind="view").count() == 3
    assert "could not reach its cache" in caplog.text


def test_serving_endpoints_answer_from_the_database_when_the_cache_is_down(settings, django_user_model):
    items = ItemFactory.create_batch(4)
    for rank, item in enumerate(items):
        SaleLineFactory.create_batch(4 - rank, article=item)
    user = UserFactory()
    client = APIClient()
    client.force_authenticate(user)
    urls = ["/ai/api/trending/?k=3", f"/ai/api/products/{items[0].pk}/similar/?k=3", "/ai/api/recommendations/?k=3"]
    with_cache = [client.get(url) for url in urls]
    settings.CACHES = {"default": DEAD_REDIS}
    without = [client.get(url) for url in urls]
    assert [r.status_code for r in with_cache] == [r.status_code for r in without] == [200, 200, 200]
    assert [r.json() for r in without] == [r.json() for r in with_cache]


# -- the broker is down ------------------------------------------------------------------------------------------
def test_shop_saves_and_events_succeed_while_the_broker_is_down_and_the_sweep_catches_up(
        broker_down, django_capture_on_commit_callbacks, caplog):
    with django_capture_on_commit_callbacks(execute=True):
        item = ItemFactory()  # a new product: its content indexing task cannot be sent
        review = FeedbackFactory(item=item, comment="Lovely soft wool, fits perfectly.")  # its scoring neither
        response = APIClient().post("/ai/api/events/", {"events": [{"kind": "view", "product": item.pk}]},
                                    format="json")
    assert response.status_code == 201 and Interaction.objects.filter(product=item, kind="view").count() == 1
    assert type(item)._default_manager.filter(pk=item.pk).exists()
    assert not ReviewSentiment.objects.filter(review_key=str(review.pk)).exists()  # lost, for now
    assert "Error calling" in caplog.text  # on_commit(robust=True) logged the broker error
    assert tasks.sweep_task()["sentiment"] == 1
    assert ReviewSentiment.objects.get(review_key=str(review.pk)).label == "positive"
    assert tasks.sweep_task()["sentiment"] == 0  # nothing twice


def test_a_run_whose_enqueue_failed_is_sent_again_by_the_sweep(broker_down, django_capture_on_commit_callbacks,
                                                               settings):
    configure(settings, SWEEP_GRACE_SECONDS=0)
    SaleLineFactory.create_batch(3)
    with trainer_for("pricing", popularity_trainer), django_capture_on_commit_callbacks(execute=True):
        run = tasks.enqueue_training("pricing", triggered_by="test")
    run.refresh_from_db()
    assert (run.status, run.task_id) == ("queued", "")  # the shop's click succeeded; the message did not leave
    assert tasks.resend_runs() == 0  # the broker is still down: it stays queued for the next sweep
    celery_app.conf.changes["task_always_eager"] = True  # the broker is back (eager: the worker runs in this process)
    with trainer_for("pricing", popularity_trainer):
        assert tasks.sweep_task()["runs"] == 1
    run.refresh_from_db()
    assert run.status == "succeeded" and run.task_id


# -- locks that follow their run ---------------------------------------------------------------------------------
@pytest.fixture
def redis_locks(settings, redis_url):
    """The lock cache is the real Redis (CI's default cache is too; locally the default is in memory)."""
    settings.CACHES = {**settings.CACHES, "locks": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                                    "LOCATION": REDIS_URL, "KEY_PREFIX": "ai_commerce_tests"}}
    configure(settings, LOCK_CACHE="locks")
    yield
    token = locks.holder(LOCK)
    if token:  # only the test's own lock: a flush would drop the locks of whatever else shares this Redis
        locks.release(LOCK, token)


def test_on_redis_only_the_holder_renews_or_releases_and_an_expired_lock_is_free(redis_locks):
    token = locks.acquire(LOCK, ttl=1, owner=7)
    assert locks.owner(LOCK) == "7" and locks.acquire(LOCK, ttl=1) is None
    assert not locks.release(LOCK, "7:not-the-token") and not locks.renew(LOCK, "7:not-the-token", 5)
    assert locks.renew(LOCK, token, 1)
    time.sleep(1.2)
    assert locks.owner(LOCK) is None  # expired: its holder stopped renewing
    other = locks.acquire(LOCK, ttl=5, owner=8)
    assert not locks.release(LOCK, token)  # the old holder cannot drop the new holder's lock
    assert locks.owner(LOCK) == "8" and locks.release(LOCK, other) and not locks.is_held(LOCK)


def _slow_trainer(seconds):
    def train(reporter):
        reporter.progress(10, "sleeping")
        time.sleep(seconds)
        reporter.progress(90, "awake")
        return popularity_trainer(reporter)
    return train


def test_a_live_runs_heartbeat_keeps_its_lock_beyond_the_ttl(settings):
    configure(settings, LOCK_TTL=3)
    SaleLineFactory.create_batch(3)
    seen = []

    def trainer(reporter):
        time.sleep(4)  # longer than the TTL: only the heartbeat keeps the lock
        seen.append(locks.owner(registry.lock_name("pricing")))
        return popularity_trainer(reporter)

    with trainer_for("pricing", trainer):
        done = registry.execute_run(TrainingRun.objects.create(kind="pricing").pk)
    assert done.status == "succeeded" and seen == [str(done.pk)]
    assert not locks.is_held(registry.lock_name("pricing"))


def test_a_run_whose_lock_was_taken_by_another_stops_instead_of_overlapping(settings):
    configure(settings, LOCK_TTL=3)
    name = registry.lock_name("pricing")

    def trainer(reporter):
        locks.release(name, locks.holder(name))  # as if its lock had expired during a long stall ...
        locks.acquire(name, ttl=60, owner="other")  # ... and another run had taken it
        time.sleep(1.5)  # the heartbeat finds out
        reporter.progress(50, "still training?")

    with trainer_for("pricing", trainer):
        done = registry.execute_run(TrainingRun.objects.create(kind="pricing").pk)
    assert done.status == "failed" and "LockLost" in done.message
    assert locks.owner(name) == "other"  # its lock is not dropped by the run that lost it


def test_the_janitor_never_frees_a_live_runs_lock():
    """The reported bug: an old queued run is stale while another run of the kind is running."""
    old = TrainingRun.objects.create(kind="pricing")
    TrainingRun.objects.filter(pk=old.pk).update(created_at=old.created_at - registry.timedelta(hours=3))
    live = TrainingRun.objects.create(kind="pricing", status="running")
    token = locks.acquire(registry.lock_name("pricing"), ttl=600, owner=live.pk)
    assert registry.fail_stale_runs() == 1
    assert TrainingRun.objects.get(pk=old.pk).status == "failed"
    assert TrainingRun.objects.get(pk=live.pk).status == "running"
    assert locks.holder(registry.lock_name("pricing")) == token


def test_the_janitor_frees_the_lock_of_a_run_that_ended():
    ended = TrainingRun.objects.create(kind="pricing", status="succeeded")
    locks.acquire(registry.lock_name("pricing"), ttl=600, owner=ended.pk)
    assert registry.fail_stale_runs() == 0
    assert not locks.is_held(registry.lock_name("pricing"))


def _train_in_child(run_id):
    connections.close_all()  # the child opens its own connections
    registry.execute_run(run_id)


def test_after_a_worker_is_killed_the_next_retrain_runs_within_the_lock_ttl(settings, transactional_db, redis_url):
    """A real process trains, holding the lock on the real Redis and the run on PostgreSQL, and is SIGKILLed."""
    if connection.vendor == "sqlite":
        need_service("a second process needs PostgreSQL (set AI_COMMERCE_TEST_DATABASE_URL); CI runs it")
    configure(settings, LOCK_TTL=3)
    SaleLineFactory.create_batch(3)
    run = TrainingRun.objects.create(kind="pricing", triggered_by="test")
    with trainer_for("pricing", _slow_trainer(600)):
        connections.close_all()
        child = multiprocessing.get_context("fork").Process(target=_train_in_child, args=(run.pk,))
        child.start()
        try:
            wait_for(lambda: locks.owner(registry.lock_name("pricing")) == str(run.pk), timeout=30)
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.join(10)
    assert child.exitcode == -signal.SIGKILL
    killed_at = time.monotonic()
    assert TrainingRun.objects.get(pk=run.pk).status == "running"  # what the dead worker left behind
    wait_for(lambda: not locks.is_held(registry.lock_name("pricing")), timeout=10)  # expires by itself
    with trainer_for("pricing", popularity_trainer):
        nxt = registry.execute_run(TrainingRun.objects.create(kind="pricing").pk)
    assert nxt.status == "succeeded", nxt.message
    assert time.monotonic() - killed_at < 10  # within one TTL and a bit, far below 10 minutes
    assert registry.fail_stale_runs() == 1
    dead = TrainingRun.objects.get(pk=run.pk)
    assert dead.status == "failed" and "lock expired" in dead.message


# -- retries that happen -----------------------------------------------------------------------------------------
def _flaky(failures):
    calls = []

    def train(reporter):
        calls.append(1)
        if len(calls) <= failures:
            raise OperationalError("server closed the connection unexpectedly")
        return popularity_trainer(reporter)
    return train, calls


def test_a_transient_error_is_retried_with_backoff_and_recorded_on_the_run(settings):
    configure(settings, RETRY_BACKOFF=0)
    SaleLineFactory.create_batch(3)
    trainer, calls = _flaky(failures=2)
    run = TrainingRun.objects.create(kind="pricing", triggered_by="test")
    with trainer_for("pricing", trainer):
        tasks.train_task.apply(args=(run.pk,), throw=False)
    run.refresh_from_db()
    assert run.status == "succeeded" and len(calls) == 3
    assert run.log.count("transient error, retrying: OperationalError") == 2


def test_a_transient_error_that_lasts_fails_the_run_after_the_last_retry(settings):
    configure(settings, RETRY_BACKOFF=0, TRAIN_RETRIES=2)
    trainer, calls = _flaky(failures=99)
    run = TrainingRun.objects.create(kind="pricing", triggered_by="test")
    with trainer_for("pricing", trainer):
        tasks.train_task.apply(args=(run.pk,), throw=False)
    run.refresh_from_db()
    assert run.status == "failed" and len(calls) == 3 and "OperationalError" in run.message
    assert run.log.count("transient error, retrying") == 2
    assert not locks.is_held(registry.lock_name("pricing"))


def test_the_scheduled_retrain_retries_the_same_run(settings):
    configure(settings, RETRY_BACKOFF=0)
    SaleLineFactory.create_batch(3)
    trainer, calls = _flaky(failures=1)
    with trainer_for("pricing", trainer):
        tasks.retrain_task.apply(args=("pricing",), throw=False)
    run = TrainingRun.objects.get()
    assert run.status == "succeeded" and run.triggered_by == "schedule" and len(calls) == 2


@pytest.mark.services
def test_a_real_worker_retries_a_transient_error_through_the_broker(live_worker, settings):
    configure(settings, RETRY_BACKOFF=1)
    SaleLineFactory.create_batch(3)
    trainer, calls = _flaky(failures=1)
    with trainer_for("pricing", trainer):
        run = tasks.enqueue_training("pricing", triggered_by="test")
        wait_for(lambda: TrainingRun.objects.get(pk=run.pk).status in ("succeeded", "failed"), timeout=60)
    run.refresh_from_db()
    assert run.status == "succeeded" and len(calls) == 2, run.log
    assert run.log.count("transient error, retrying") == 1

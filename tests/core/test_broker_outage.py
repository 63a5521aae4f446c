"""A save never waits on the broker (issue 26, part 5b): with the broker down and Celery's own publish settings
(retries, a 4 s connect timeout), saving a review or a product returns at once, the error is logged, and the sweep
scores the review later."""

import importlib
import time

import pytest

from ai_commerce import celery_setup, tasks
from ai_commerce.models import TrainingRun
from ai_commerce.sentiment.models import ReviewSentiment
from tests.celery_app import app as celery_app
from tests.core.test_no_tensorflow import run_guard
from tests.factories import FeedbackFactory, ItemFactory

pytestmark = pytest.mark.django_db
DEAD_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker_down(settings, monkeypatch):
    """Tasks are sent (not run eagerly) to a broker where nothing listens, with Celery's default publish retries."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.get("broker_url")  # loads the app's configuration, so that the patches below sit on top
    for key, value in {"broker_url": DEAD_BROKER, "task_always_eager": False}.items():
        monkeypatch.setitem(celery_app.conf.changes, key, value)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield
    monkeypatch.undo()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_saving_a_review_does_not_wait_on_a_broker_that_is_down(broker_down, django_capture_on_commit_callbacks):
    item = ItemFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        review = FeedbackFactory(item=item, comment="Lovely soft wool, fits perfectly.")
    importlib.import_module("kombu.transport.redis")  # imported once per process: not what is measured
    started = time.monotonic()
    for callback in callbacks:  # what the commit runs (robust: an error is logged, as on_commit(robust=True) does)
        with pytest.raises(Exception, match="Connection refused"):
            callback()
    took = time.monotonic() - started
    # Celery's publish retries sleep 0.6 s a task: a bound well above one attempt, on a busy machine too.
    assert callbacks and took < 0.5, f"the broker held the save up {took:.2f} s"
    assert not ReviewSentiment.objects.filter(review_key=str(review.pk)).exists()
    assert tasks.sweep_task()["sentiment"] == 1  # the sweeper covers a review whose scoring was never sent
    assert ReviewSentiment.objects.get(review_key=str(review.pk)).label == "positive"


def test_a_training_run_sent_while_the_broker_is_down_returns_at_once_and_stays_for_the_sweep(broker_down):
    run = TrainingRun.objects.create(kind="recommendations")
    started = time.monotonic()
    assert tasks.send_run(run.pk) is None
    assert time.monotonic() - started < 0.3
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.QUEUED and run.task_id == ""


SENDER_SCRIPT = """
import sys
import django
django.setup()
import ai_commerce.recommendations.tasks, ai_commerce.sentiment.tasks, ai_commerce.tasks
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"sklearn", "scipy", "tensorflow", "vaderSentiment"})
assert not loaded, loaded
"""


def test_the_web_process_sends_tasks_without_importing_a_model_library():
    """The first review saved in a web process imported scikit-learn to send its scoring (2 to 3 s, a save held up
    just as long): the task modules that the web imports to send import their model code in the task."""
    result = run_guard("tests.settings", SENDER_SCRIPT)
    assert result.returncode == 0, result.stderr[-2000:]


def test_send_runs_eagerly_in_eager_mode():
    assert celery_setup.send(tasks.fail_stale_runs_task).get() == 0

"""The real path: a Celery worker consuming from the Redis broker runs a training run end to end.

Locally these tests skip when Redis is not running; in CI (AI_COMMERCE_REQUIRE_SERVICES=1) they must run.
"""

import pytest

from ai_commerce import tasks
from ai_commerce.models import ModelVersion, TrainingRun
from ai_commerce.tasks import fail_stale_runs_task, retrain_task
from tests.conftest import wait_for
from tests.factories import ItemFactory, SaleLineFactory
from tests.trainers import trainer_for

pytestmark = pytest.mark.services


@pytest.fixture
def trainer():
    with trainer_for("pricing", "tests.trainers.popularity_trainer"):
        yield


def test_retrain_now_runs_in_a_real_worker(live_worker, trainer):
    item = ItemFactory()
    SaleLineFactory.create_batch(4, article=item)
    run = tasks.enqueue_training("pricing", triggered_by="test")

    def finished():
        """the training run to finish in the worker"""
        run.refresh_from_db()
        return run.status not in ("queued", "running")

    wait_for(finished, timeout=60)
    assert run.status == "succeeded", run.error
    assert run.task_id  # it went through the broker, not eager mode
    assert run.model_version.is_active
    assert ModelVersion.objects.active().get().kind == "pricing"


def test_scheduled_tasks_run_in_a_real_worker(live_worker, trainer):
    SaleLineFactory.create_batch(3)
    result = retrain_task.delay("pricing", "schedule")
    janitor = fail_stale_runs_task.delay()

    def done():
        """the scheduled retrain to finish"""
        return TrainingRun.objects.filter(triggered_by="schedule", status="succeeded").exists()

    wait_for(done, timeout=60)
    assert result.id and janitor.id

"""The Oscar shop with a real Celery worker (PostgreSQL and Redis, as in CI): a review saved in Oscar is scored by
the worker, and the dashboard's "Retrain now" trains there, never in the web request. This test runs last (see
``conftest.py``): a worker's writes are committed, and the database is emptied after it, so it is the only one."""

import pytest

from ai_commerce.models import TrainingRun
from ai_commerce.sentiment.models import ReviewSentiment
from tests.conftest import wait_for
from tests.oscar.conftest import Product, ProductReview

pytestmark = pytest.mark.services


def test_with_a_worker_oscar_reviews_are_scored_and_retrain_now_trains_there(live_worker, trained_shop,
                                                                                admin_client):
    product = Product.objects.filter(is_public=True, parent=None).first()
    review = ProductReview.objects.create(product=product, score=5, title="Superb", body="Lovely quality, works "
                                          "perfectly, would buy again.", name="Guest", email="guest@example.com")

    def scored():
        """the worker to score the new review"""
        return ReviewSentiment.objects.filter(review_key=str(review.pk)).first()

    assert wait_for(scored, timeout=60).label == "positive"

    response = admin_client.post("/admin/ai_commerce/dashboard/retrain/sentiment/")
    assert response.status_code == 302
    run = TrainingRun.objects.filter(kind="sentiment", triggered_by="admin").get()
    wait_for(lambda: TrainingRun.objects.get(pk=run.pk).status not in ("queued", "running"), timeout=120)
    run.refresh_from_db()
    assert run.status == "succeeded" and run.task_id, run.message

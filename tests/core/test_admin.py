import pytest

from ai_commerce import registry
from ai_commerce.events import record_event
from ai_commerce.models import ModelVersion, TrainingRun
from tests.factories import ItemFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["interaction", "modelversion", "trainingrun"])
def test_changelists_render_with_bounded_queries(admin_client, model, django_assert_max_num_queries):
    user = UserFactory()
    for item in ItemFactory.create_batch(15):
        record_event(kind="view", product=item, user=user)
    for _ in range(5):
        registry.activate(ModelVersion.objects.create(kind="pricing", metrics={"m": 1}))
        TrainingRun.objects.create(kind="pricing", progress=40, message="fitting")
    with django_assert_max_num_queries(12):
        response = admin_client.get(f"/admin/ai_commerce/{model}/")
    assert response.status_code == 200
    assert f"/admin/ai_commerce/{model}/add/" not in response.content.decode()  # written by code, not by hand

"""The event batch endpoint: valid events are stored even beside bad ones; bad ones get field errors by index."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from ai_commerce.models import Interaction
from tests.factories import ItemFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/ai/api/events/"


@pytest.fixture(autouse=True)
def _clear_throttle():
    cache.clear()


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def user_client(client):
    user = UserFactory()
    client.force_authenticate(user)
    client.user = user
    return client


def test_a_valid_batch_is_stored(user_client):
    a, b = ItemFactory(), ItemFactory()
    response = user_client.post(URL, {"events": [{"kind": "view", "product": a.pk},
                                                 {"kind": "cart", "product": b.pk, "quantity": 2}]}, format="json")
    assert response.status_code == 201, response.data
    assert response.data == {"stored": 2, "duplicates": 0}
    assert set(Interaction.objects.values_list("kind", "product_id", "user_id", "source")) == {
        ("view", a.pk, user_client.user.pk, "api"), ("cart", b.pk, user_client.user.pk, "api")}


def test_bad_events_get_field_errors_by_index_and_good_ones_are_kept(user_client):
    item = ItemFactory()
    batch = [
        {"kind": "view", "product": item.pk},
        {"kind": "teleport", "product": item.pk},
        {"kind": "view", "product": "abc"},
        {"kind": "view", "product": 999_999},
        {"kind": "cart", "product": item.pk, "quantity": 0},
        {"kind": "view"},
        {"kind": "view", "product": item.pk, "occurred_at": "2999-01-01T00:00:00Z"},
        {"kind": "purchase", "product": item.pk},
    ]
    response = user_client.post(URL, {"events": batch}, format="json")
    assert response.status_code == 400
    assert response.data["stored"] == 1
    errors = {e["index"]: e["fields"] for e in response.data["errors"]}
    assert sorted(errors) == [1, 2, 3, 4, 5, 6, 7]
    assert "kind" in errors[1] and "kind" in errors[7]  # clients cannot claim purchases
    assert errors[2]["product"] == ["Not a valid product id."]
    assert errors[3]["product"] == ["Unknown product."]
    assert "quantity" in errors[4] and "product" in errors[5] and "occurred_at" in errors[6]
    assert Interaction.objects.count() == 1


def test_a_repeated_client_event_id_is_stored_once(user_client):
    item = ItemFactory()
    event = {"kind": "view", "product": item.pk, "event_id": "e-1"}
    first = user_client.post(URL, {"events": [event, event]}, format="json")
    assert first.status_code == 201 and first.data == {"stored": 1, "duplicates": 1}
    again = user_client.post(URL, {"events": [event]}, format="json")
    assert again.data == {"stored": 0, "duplicates": 1}
    assert Interaction.objects.get().event_id == "client:e-1"


def test_anonymous_events_are_keyed_by_session(client):
    item = ItemFactory()
    response = client.post(URL, {"events": [{"kind": "view", "product": item.pk}]}, format="json")
    assert response.status_code == 201
    event = Interaction.objects.get()
    assert event.user_id is None and event.session_key == client.session.session_key


@pytest.mark.parametrize("body", [{}, {"events": []}, {"events": "view"}, {"events": [1, 2]}, [1]])
def test_a_malformed_body_is_a_400_naming_the_field(client, body):
    response = client.post(URL, body, format="json")
    assert response.status_code == 400
    assert "events" in response.data or "non_field_errors" in response.data


def test_a_batch_over_the_limit_is_refused_whole(client, settings):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "EVENTS_MAX_BATCH": 3}
    item = ItemFactory()
    response = client.post(URL, {"events": [{"kind": "view", "product": item.pk}] * 4}, format="json")
    assert response.status_code == 400 and "at most 3" in str(response.data["events"])
    assert not Interaction.objects.exists()


def test_the_endpoint_is_throttled(client, settings):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "EVENTS_THROTTLE_RATE": "2/min"}
    item = ItemFactory()
    codes = [client.post(URL, {"events": [{"kind": "view", "product": item.pk}]}, format="json").status_code
             for _ in range(3)]
    assert codes == [201, 201, 429]


def test_query_count_does_not_grow_with_the_batch(user_client, django_assert_max_num_queries):
    items = ItemFactory.create_batch(50)
    batch = [{"kind": "view", "product": i.pk, "event_id": f"q{i.pk}"} for i in items]
    with django_assert_max_num_queries(6):
        response = user_client.post(URL, {"events": batch}, format="json")
    assert response.data["stored"] == 50


def test_the_openapi_schema_describes_the_endpoint(client):
    response = client.get("/ai/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["servers"] == [{"url": "/ai/"}]
    assert "EventBatch" in str(schema["paths"]["/api/events/"]["post"]["requestBody"])

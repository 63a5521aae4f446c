"""The event batch endpoint: valid events are stored even beside bad ones; bad ones get field errors by index."""

import json
import uuid
from datetime import timedelta

import jsonschema
import pytest
from django.core.cache import cache
from django.utils import timezone
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
    assert response.data == {"stored": 2, "duplicates": 0, "ignored": 0}
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
    assert first.status_code == 201 and first.data == {"stored": 1, "duplicates": 1, "ignored": 0}
    again = user_client.post(URL, {"events": [event]}, format="json")
    assert again.data == {"stored": 0, "duplicates": 1, "ignored": 0}
    assert Interaction.objects.get().event_id == "client:e-1"


def test_anonymous_events_are_keyed_by_session(client):
    session = client.session  # a visitor whose session exists (one without gets none: test_input_faults)
    session.save()
    client.cookies["sessionid"] = session.session_key
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


# Strict events: product ids, timestamps, body size.

@pytest.mark.parametrize("product", [True, False, 5.9, 5.0, "5.9", "5 ", "12abc", "", [5], {"id": 5}, 10**30, "9" * 30])
def test_a_product_id_is_an_integer_or_a_string_of_digits(client, product):
    """``true`` and ``5.9`` were read as products 1 and 5; both exist here, so only the type can refuse them."""
    one, five = ItemFactory(pk=1), ItemFactory(pk=5)
    batch = [{"kind": "view", "product": one.pk}, {"kind": "view", "product": product},
             {"kind": "cart", "product": str(five.pk)}]  # a numeric string still names a product
    response = client.post(URL, {"events": batch}, format="json")
    assert response.status_code == 400
    assert response.data["stored"] == 2 and response.data["errors"] == [
        {"index": 1, "fields": {"product": ["Not a valid product id."]}}]
    assert sorted(Interaction.objects.values_list("product_id", flat=True)) == [1, 5]


def test_a_product_id_follows_the_hosts_primary_key(monkeypatch):
    """A host whose products have a UUID or a code as primary key gets its ids read by that field."""
    from types import SimpleNamespace

    from django.db import models
    from rest_framework.exceptions import ValidationError

    from ai_commerce import conf
    from ai_commerce.serializers import ProductIdField

    def read(pk_field, value):
        monkeypatch.setattr(conf, "get_product_model", lambda: SimpleNamespace(_meta=SimpleNamespace(pk=pk_field)))
        return ProductIdField().run_validation(value)

    key, by_uuid, by_code = uuid.uuid4(), models.UUIDField(primary_key=True), models.CharField(max_length=8)
    assert read(by_uuid, str(key)) == key
    assert read(by_code, "SKU-12") == "SKU-12" and read(by_code, 12) == "12"
    for pk_field, bad in ((by_uuid, "not-a-uuid"), (by_uuid, True), (by_code, "SKU-123456"), (by_code, 1.5)):
        with pytest.raises(ValidationError, match="Not a valid product id"):
            read(pk_field, bad)


def test_occurred_at_lies_within_ten_years_and_the_clock_skew(user_client):
    item = ItemFactory()
    now = timezone.now()
    times = [now - timedelta(days=9 * 365), now + timedelta(minutes=2),  # kept
             now - timedelta(days=3660), "2000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", now + timedelta(hours=1)]
    batch = [{"kind": "view", "product": item.pk, "occurred_at": t if isinstance(t, str) else t.isoformat()}
             for t in times]
    response = user_client.post(URL, {"events": batch}, format="json")
    assert response.status_code == 400 and response.data["stored"] == 2
    errors = {e["index"]: e["fields"] for e in response.data["errors"]}
    assert sorted(errors) == [2, 3, 4, 5] and all(list(fields) == ["occurred_at"] for fields in errors.values())
    assert "10 years" in errors[2]["occurred_at"][0] and "future" in errors[5]["occurred_at"][0]


def test_an_oversized_body_is_a_json_413_and_stores_nothing(client, admin_client):
    item = ItemFactory()
    body = json.dumps({"events": [{"kind": "view", "product": item.pk, "event_id": "x" * 90}] * 100_000})
    assert len(body) > 10 * 2**20  # 10 MB, four times DATA_UPLOAD_MAX_MEMORY_SIZE
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 413 and response["Content-Type"] == "application/json"
    assert "DATA_UPLOAD_MAX_MEMORY_SIZE" in response.json()["detail"]
    assert not Interaction.objects.exists()
    staff = admin_client.post("/ai/api/pricing/policies/", body, content_type="application/json")
    assert staff.status_code == 413 and "detail" in staff.json()  # every endpoint, not only the events


@pytest.mark.parametrize("url", ["/ai/api/pricing/policies/", "/ai/api/pricing/suggestions/"])
@pytest.mark.parametrize("query", [{"offset": "null"}, {"offset": "-1"}, {"offset": "1.5"}, {"limit": "null"},
                                   {"limit": "0"}, {"limit": "501"}])
def test_page_parameters_are_integers_in_range(admin_client, url, query):
    response = admin_client.get(url, query)
    assert response.status_code == 400 and list(response.json()) == list(query), response.content
    assert admin_client.get(url, {"limit": "500", "offset": "0"}).status_code == 200


def test_a_path_that_fits_no_route_is_a_json_404(admin_client):
    for url in ("/ai/api/pricing/policies/2.5/", "/ai/api/products/a/b/similar/", "/ai/api/nothing/here/"):
        response = admin_client.get(url)
        assert response.status_code == 404 and response.json() == {"detail": "Not found."}, url
    assert admin_client.post("/ai/api/recommendations/experiments/x.y/start/").status_code == 404  # no CSRF page
    assert admin_client.get("/ai/api/trending").status_code == 301  # APPEND_SLASH still redirects


def test_concluding_reads_the_experiment_before_the_winner(admin_client):
    """A winner with an id that is not an experiment's was a 500 (the raw id went into a query)."""
    url = "/ai/api/recommendations/experiments/popular/conclude/"
    assert admin_client.post(url, {"winner": 1}, content_type="application/json").status_code == 404


def test_an_experiment_no_shop_could_finish_is_a_field_error(admin_client):
    """A planned sample over PostgreSQL's integer (a base rate of 1e-6, an effect of 0.1%) was a 500 there."""
    from ai_commerce.models import ModelVersion
    from tests.recommendations.test_serving import catalog, trending_rows

    version = ModelVersion.objects.create(kind="recommendations", metrics={"recall_at_10": 0.2})
    trending_rows(version, catalog(2))
    arms = [{"name": "control", "version": version.pk, "weight": 50, "is_control": True},
            {"name": "popularity", "version": None, "weight": 50}]
    body = {"name": "tiny", "metric": "conversion", "base_rate": 1e-6, "min_effect_pct": 0.1, "arms": arms}
    url = "/ai/api/recommendations/experiments/"
    response = admin_client.post(url, body, content_type="application/json")
    assert response.status_code == 400 and "raise the base rate" in response.json()["min_effect_pct"][0]
    made = admin_client.post(url, {**body, "base_rate": 0.02, "min_effect_pct": 20}, content_type="application/json")
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    patched = admin_client.patch(f"{url}{pk}/", {"base_rate": 1e-6, "min_effect_pct": 0.1},
                                 content_type="application/json")
    assert patched.status_code == 400 and "min_effect_pct" in patched.json()


# The schema documents every error, in the shapes the endpoints answer.

def schema(client):
    return client.get("/ai/api/schema/", {"format": "json"}).json()


def documented(spec, path, method, code):
    """A validator of the body that ``spec`` documents for ``method path`` answering ``code``."""
    body = spec["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]
    return jsonschema.Draft202012Validator({**body, "components": spec["components"]})


#: The rate-limited endpoints: events, and the messages a shopper sends the assistant.
THROTTLED = {"/api/events/", "/api/assistant/", "/api/assistant/feedback/", "/api/assistant/human/",
             "/api/search/", "/api/search/suggest/"}


def test_every_operation_documents_its_errors(client):
    spec = schema(client)
    decisions = {"approve", "reject", "apply", "rollback", "start", "stop", "conclude", "ordered"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            has_body = "requestBody" in operation
            takes_query = any(p["in"] == "query" for p in operation.get("parameters", ()))
            assert {"401", "403", "503"} <= codes, (method, path)
            assert ("400" in codes) == (has_body or takes_query), (method, path)
            assert ("404" in codes) == ("{" in path or path == "/api/recommendations/"), (method, path)
            assert ("409" in codes) == (path.rstrip("/").rsplit("/", 1)[-1] in decisions), (method, path)
            assert ("413" in codes) == has_body and ("429" in codes) == (path in THROTTLED), (method, path)
            for code in codes - {"200", "201", "204"}:
                assert documented(spec, path, method, code), (method, path, code)


def test_the_events_answers_match_their_documented_schema(client, settings):
    spec = schema(client)
    item = ItemFactory()
    answers = [
        client.post(URL, {"events": [{"kind": "view", "product": item.pk}]}, format="json"),
        client.post(URL, {"events": [{"kind": "view", "product": item.pk}, {"kind": "x", "product": True}]},
                    format="json"),  # some events bad
        client.post(URL, {"events": "view"}, format="json"),  # the batch bad
        client.post(URL, "{", content_type="application/json"),  # not JSON
        client.post(URL, "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1), content_type="application/json"),
    ]
    assert [a.status_code for a in answers] == [201, 400, 400, 400, 413]
    for answer in answers:
        documented(spec, "/api/events/", "post", str(answer.status_code)).validate(answer.json())
    bad = documented(spec, "/api/events/", "post", "400")
    assert not bad.is_valid({"stored": "1", "duplicates": 0}) and not bad.is_valid({"events": "no list"})

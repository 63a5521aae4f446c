"""No input and no outage answers a 500 or an HTML page under ``ai/api/`` (issue 26, part 4), and the small abuses
of part 5: cookieless event posts make no session rows; a product the shop does not show has no placements."""

import base64
import json
from unittest import mock

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import DataError, InterfaceError, OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from rest_framework.test import APIClient

from ai_commerce.models import Interaction
from tests.factories import ItemFactory, UserFactory
from tests.recommendations.test_serving import served_catalog

pytestmark = pytest.mark.django_db
EVENTS = "/ai/api/events/"
#: Every kind of endpoint that reads a JSON body.
BODY_ENDPOINTS = [EVENTS, "/ai/api/pricing/policies/", "/ai/api/recommendations/experiments/"]


@pytest.fixture(autouse=True)
def _clear_throttle():
    cache.clear()


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def admin_api(client):
    client.force_authenticate(UserFactory(is_staff=True, is_superuser=True))
    return client


def nested(levels):
    return "[" * levels + "]" * levels


# -- bodies ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", BODY_ENDPOINTS)
def test_a_body_nested_a_thousand_deep_is_a_400_saying_so(admin_api, url):
    body = '{"events": ' + nested(1000) + "}"  # 2 KB
    response = admin_api.post(url, body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert "more than 32 levels deep" in response.json()["detail"]
    assert not Interaction.objects.exists()


def test_the_depth_limit_is_a_setting_and_a_body_within_it_is_read(admin_api, settings):
    item = ItemFactory()
    body = {"events": [{"kind": "view", "product": item.pk}]}  # three levels
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "API_MAX_JSON_DEPTH": 3}
    assert admin_api.post(EVENTS, body, format="json").status_code == 201
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "API_MAX_JSON_DEPTH": 2}
    response = admin_api.post(EVENTS, body, format="json")
    assert response.status_code == 400 and "more than 2 levels" in response.json()["detail"]


@pytest.mark.parametrize(("text", "levels"), [
    ("{}", 1), ('{"a": [1, {"b": []}]}', 4), ('["[[[[", "\\"[["]', 1), ('"{{{{"', 0), ("[[]] [[[]]]", 3),
])
def test_depth_ignores_brackets_inside_strings(text, levels):
    from ai_commerce.parsers import depth

    assert depth(text, 10) == levels


def test_bodies_that_are_not_utf8_or_not_strict_json_are_400s(client):
    for body in (b'{"events": "\xff\xfe"}', b'{"events": [NaN]}', b"[" * 5):
        response = client.post(EVENTS, body, content_type="application/json")
        assert response.status_code == 400 and response.json()["detail"].startswith("JSON parse error"), body


def test_an_oversized_json_body_is_a_413_before_it_is_read_whole(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = client.post(EVENTS, json.dumps({"events": [{"kind": "view", "product": 1}] * 20}),
                           content_type="application/json")
    assert response.status_code == 413 and "DATA_UPLOAD_MAX_MEMORY_SIZE" in response.json()["detail"]


# -- credentials -----------------------------------------------------------------------------------------------

def basic(user, password="x"):
    return "Basic " + base64.b64encode(user + b":" + password.encode()).decode()


@pytest.mark.parametrize("url", [EVENTS, "/ai/api/trending/", "/ai/api/pricing/policies/", "/ai/api/schema/"])
def test_a_nul_byte_in_a_basic_user_name_is_a_401(client, url):
    """On PostgreSQL the NUL reaches the database (a ValueError or DataError inside Django's ModelBackend): run
    with AI_COMMERCE_TEST_DATABASE_URL to see the real one. Here the backend raises what psycopg raises."""
    client.credentials(HTTP_AUTHORIZATION=basic(b"ad\x00min"))
    method = client.post if url == EVENTS else client.get
    for error in (ValueError("A string literal cannot contain NUL (0x00) characters."),
                  DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")):
        with mock.patch.object(ModelBackend, "authenticate", side_effect=error):
            response = method(url, {"events": []}, format="json") if url == EVENTS else method(url, {"format": "json"})
        assert response.status_code == 401, (url, response.content[:300])
        assert response.json()["detail"].startswith("Malformed credentials")
        assert response["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize("header", [
    basic(b"ad\x00min"), basic(b"\xff\xfe"), "Basic !!!", "Basic", "Basic a b", "Bearer abc", "\x01garbage",
    basic(b"nobody"),
])
def test_forged_credentials_are_a_401_never_a_500(client, header):
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/ai/api/trending/")
    assert response.status_code in (200, 401), (header, response.status_code)
    if header.startswith("Basic") and response.status_code == 401:
        assert response["WWW-Authenticate"].startswith("Basic")


def test_good_credentials_still_work(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    user.set_password("right")
    user.save()
    client.credentials(HTTP_AUTHORIZATION=basic(user.username.encode(), "right"))
    assert client.get("/ai/api/pricing/policies/").status_code == 200


def test_the_schema_still_documents_the_hosts_authentication(client):
    schemes = client.get("/ai/api/schema/", {"format": "json"}).json()["components"]["securitySchemes"]
    assert {"basicAuth", "cookieAuth"} <= set(schemes)


# -- the database down -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "url"), [
    ("post", EVENTS), ("get", "/ai/api/recommendations/"), ("get", "/ai/api/trending/"),
    ("get", "/ai/api/products/1/similar/"), ("get", "/ai/api/products/1/bought-together/"),
    ("get", "/ai/api/pricing/policies/"), ("get", "/ai/api/pricing/suggestions/1/"),
    ("get", "/ai/api/recommendations/experiments/"), ("get", "/ai/api/products/1/sentiment/"),
])
@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_the_database_down_is_a_json_503_with_retry_after(admin_api, method, url, error):
    cache.clear()
    with mock.patch.object(BaseDatabaseWrapper, "cursor", side_effect=error("connection refused")):
        response = getattr(admin_api, method)(url, {"events": [{"kind": "view", "product": 1}]}, format="json") \
            if method == "post" else getattr(admin_api, method)(url)
    assert response.status_code == 503, (url, response.content[:300])
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("The database is unavailable")
    assert int(response["Retry-After"]) > 0


def test_every_operation_documents_the_503(client):
    spec = client.get("/ai/api/schema/", {"format": "json"}).json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert "Retry-After" in operation["responses"]["503"]["description"], (method, path)


# -- part 5: cookieless events, hidden products ----------------------------------------------------------------

def test_cookieless_anonymous_events_create_no_session_and_still_count(client):
    item = ItemFactory()
    for _ in range(3):
        response = APIClient().post(EVENTS, {"events": [{"kind": "view", "product": item.pk}] * 2}, format="json")
        assert response.status_code == 201 and "sessionid" not in response.cookies
    assert not Session.objects.exists()
    keys = list(Interaction.objects.values_list("session_key", flat=True))
    assert len(keys) == 6 and all(key.startswith("nosession:") for key in keys)
    assert len(set(keys)) == 3  # one key per request: a batch's events co-occur, no visitor is followed


def test_a_visitor_with_a_session_keeps_its_key(client):
    session = client.session
    session["x"] = 1
    session.save()
    client.cookies["sessionid"] = session.session_key
    item = ItemFactory()
    assert client.post(EVENTS, {"events": [{"kind": "view", "product": item.pk}]}, format="json").status_code == 201
    assert Interaction.objects.get().session_key == session.session_key and Session.objects.count() == 1


@pytest.mark.parametrize("placement", ["similar", "bought-together"])
def test_a_product_the_shop_does_not_show_has_no_placements(client, placement):
    mugs, _, _ = served_catalog(4)
    url = f"/ai/api/products/{mugs[0].pk}/{placement}/"
    assert client.get(url).status_code == 200
    mugs[0].listed = False
    mugs[0].save()
    response = client.get(url)
    assert response.status_code == 404 and response.json() == {"detail": "Unknown product."}

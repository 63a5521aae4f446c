"""The events throttle: forged X-Forwarded-For headers and parallel clients never get more than the limit through.

The counters live in the test settings' shared cache (LocMemCache, or Redis when AI_COMMERCE_TEST_REDIS_URL is set,
as in CI). The parallel test slows every cache call down a little, as a network hop to Redis does, which is what
opened the window between reading and writing a count.
"""

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from ai_commerce.api import EventThrottle
from tests.factories import ItemFactory, UserFactory

URL = "/ai/api/events/"
NOW = 28_333_333 * 60 + 10.0  # 10 s into a minute window: the tests never straddle two windows


@pytest.fixture(autouse=True)
def _fresh_counters(monkeypatch):
    cache.clear()
    monkeypatch.setattr(EventThrottle, "timer", staticmethod(lambda: NOW))


def configure(settings, **changes):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, **changes}


def forged():
    return ".".join(str(random.randint(1, 254)) for _ in range(4))


def post(client, item, **headers):
    return client.post(URL, {"events": [{"kind": "view", "product": item.pk}]}, format="json", headers=headers)


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_buy_a_fresh_budget(settings):
    configure(settings, EVENTS_THROTTLE_RATE="5/min")
    item = ItemFactory()
    codes = [post(APIClient(), item, x_forwarded_for=forged()).status_code for _ in range(20)]
    assert codes.count(201) == 5 and codes.count(429) == 15


@pytest.mark.django_db
def test_a_fresh_session_cookie_does_not_buy_a_fresh_budget(settings):
    configure(settings, EVENTS_THROTTLE_RATE="3/min")
    item = ItemFactory()
    codes = []
    for n in range(8):
        client = APIClient()
        client.cookies[settings.SESSION_COOKIE_NAME] = f"forged-session-{n:04d}"
        codes.append(post(client, item).status_code)
    assert codes.count(201) == 3


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_client_has_its_own_budget(settings):
    configure(settings, EVENTS_THROTTLE_RATE="2/min", TRUSTED_PROXIES=["127.0.0.0/8"])
    item = ItemFactory()
    # The proxy appends the address it saw; whatever the client wrote to its left is not believed.
    first = [post(APIClient(), item, x_forwarded_for=f"{forged()}, 198.51.100.7").status_code for _ in range(4)]
    second = [post(APIClient(), item, x_forwarded_for="198.51.100.8").status_code for _ in range(3)]
    assert first == [201, 201, 429, 429] and second == [201, 201, 429]


@pytest.mark.django_db
def test_a_user_is_limited_whatever_the_address(settings):
    configure(settings, EVENTS_THROTTLE_RATE="2/min", TRUSTED_PROXIES=["127.0.0.1"])
    item, user = ItemFactory(), UserFactory()
    codes = []
    for n in range(4):
        client = APIClient()
        client.force_authenticate(user)
        codes.append(post(client, item, x_forwarded_for=f"203.0.113.{n + 1}").status_code)
    assert codes == [201, 201, 429, 429]


@pytest.mark.django_db
def test_a_session_is_limited_whatever_the_address(settings):
    configure(settings, EVENTS_THROTTLE_RATE="2/min", TRUSTED_PROXIES=["127.0.0.1"])
    from django.contrib.sessions.backends.db import SessionStore

    item, client = ItemFactory(), APIClient()
    session = SessionStore()  # a visitor whose session a page opened (event posts without one open none)
    session.create()
    client.cookies["sessionid"] = session.session_key
    codes = [post(client, item, x_forwarded_for=f"203.0.113.{n + 1}").status_code for n in range(4)]
    assert codes == [201, 201, 429, 429]


@pytest.mark.django_db
def test_the_refusal_says_when_to_come_back(settings):
    configure(settings, EVENTS_THROTTLE_RATE="1/min")
    item, client = ItemFactory(), APIClient()
    post(client, item)
    refused = post(client, item)
    assert refused.status_code == 429 and refused["Retry-After"] == "50"  # 10 s into the minute


class SlowCache:
    """The shared cache, each call a little late, as over the network to Redis."""

    def __init__(self, real):
        self.real = real

    def __getattr__(self, name):
        method = getattr(self.real, name)

        def slow(*args, **kwargs):
            time.sleep(0.0005)
            return method(*args, **kwargs)
        return slow


def anonymous_request(forge):
    headers = {"HTTP_X_FORWARDED_FOR": forged()} if forge else {}
    request = APIRequestFactory().post(URL, REMOTE_ADDR="127.0.0.1", **headers)
    request.user = AnonymousUser()
    return Request(request)


@pytest.mark.parametrize("forge", [False, True], ids=["same-address", "forged-headers"])
def test_parallel_clients_never_exceed_the_limit(settings, monkeypatch, forge):
    configure(settings, EVENTS_THROTTLE_RATE="50/min")
    monkeypatch.setattr(EventThrottle, "cache", SlowCache(cache))
    start = threading.Barrier(16)

    def client(n):
        start.wait()
        return [EventThrottle().allow_request(anonymous_request(forge), None) for _ in range(25)]

    with ThreadPoolExecutor(16) as pool:
        accepted = sum(sum(results) for results in pool.map(client, range(16)))
    assert accepted == 50  # 400 tries against a limit of 50: exactly the limit, never more


@pytest.mark.parametrize(("meta", "trusted", "expected"), [
    ({"REMOTE_ADDR": "203.0.113.5", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, [], "203.0.113.5"),
    ({"REMOTE_ADDR": "203.0.113.5", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, ["10.0.0.0/8"], "203.0.113.5"),
    ({"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.1, 10.0.0.9"}, ["10.0.0.0/8"],
     "198.51.100.1"),
    ({"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "10.0.0.7"}, ["10.0.0.0/8"], "10.0.0.7"),
    ({"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, not-an-ip"}, ["10.0.0.0/8"], "10.0.0.2"),
    ({"REMOTE_ADDR": "10.0.0.2"}, ["10.0.0.0/8"], "10.0.0.2"),
    ({"REMOTE_ADDR": "2001:db8:1:2:3:4:5:6"}, [], "2001:db8:1:2::/64"),
    ({"REMOTE_ADDR": "::ffff:192.0.2.1"}, [], "192.0.2.1"),
])
def test_client_address(meta, trusted, expected):
    from ai_commerce import throttling

    assert throttling.client_address(meta, throttling.trusted_networks(trusted)) == expected


@pytest.mark.parametrize("entries", [["10.0.0.0/33"], ["proxy.local"], "10.0.0.1", [10]])
def test_bad_trusted_proxies_are_refused(entries):
    from ai_commerce import throttling

    with pytest.raises(ValueError):
        throttling.trusted_networks(entries)


def test_a_proxy_that_is_not_trusted_is_named_once(caplog):
    from ai_commerce import throttling

    for _ in range(3):
        throttling.client_address({"REMOTE_ADDR": "10.9.8.7", "HTTP_X_FORWARDED_FOR": "203.0.113.1"}, [])
    assert caplog.text.count("requests from 10.9.8.7 carry X-Forwarded-For") == 1

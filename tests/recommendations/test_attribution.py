"""Fake clicks and impressions: only a click on a link served to the same visitor is stored, once; impressions and
clicks are limited per visitor and address; the verdict counts a visitor once per item."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.template import Context, Template
from django.test import Client, RequestFactory

from ai_commerce import deferred
from ai_commerce.recommendations import attribution, experiments
from ai_commerce.recommendations.models import PlacementEvent
from ai_commerce.recommendations.verdict import results
from tests.factories import UserFactory
from tests.recommendations.test_experiments import experiment, two_versions  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
NOW = 28_333_333 * 60 + 10.0  # 10 s into a minute window


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    cache.clear()
    monkeypatch.setattr(attribution, "timer", lambda: NOW, raising=False)  # (no limits before them)


@pytest.fixture
def running(two_versions):  # noqa: F811
    e = experiment(two_versions["old"], two_versions["new"])
    experiments.start(e)
    return e


def clicks():
    return PlacementEvent.objects.filter(kind="click").count()


def configure(settings, **changes):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE,
                            "RECOMMENDATIONS": {**settings.AI_COMMERCE.get("RECOMMENDATIONS", {}), **changes}}


def served(client, k=3):
    """The trending list the API serves to ``client``'s visitor."""
    return client.get(f"/ai/api/trending/?k={k}").json()


def logged_in():
    client = Client()
    client.force_login(UserFactory())
    return client


def test_a_forged_click_redirects_but_is_not_stored(running, two_versions):  # noqa: F811
    mug = two_versions["mugs"][0]
    client = Client()
    for a in ("recommended:999999:7", f"trending:{two_versions['new'].pk}:{running.arms.last().pk}"):
        response = client.get("/ai/r/", {"a": a, "p": mug.pk, "next": "/"})
        assert response.status_code == 302 and response["Location"] == "/"
    assert clicks() == 0


def test_a_served_link_is_credited_once(running):
    client = logged_in()
    first = served(client)["results"][0]
    for _ in range(5):  # a double click, a reload, a script replaying the link
        assert client.get(first["click_url"]).status_code == 302
    click = PlacementEvent.objects.get(kind="click")
    assert f"{click.placement}:{click.version}:{click.arm}" == first["attribution"]


def test_a_link_served_to_someone_else_or_edited_is_not_credited(running):
    owner, other = logged_in(), logged_in()
    url = served(owner)["results"][0]["click_url"]
    assert other.get(url).status_code == 302 and clicks() == 0  # signed for the owner
    query = parse_qs(urlsplit(url).query)
    placement, version, arm = query["a"][0].split(":")
    other_arm = next(a.pk for a in running.arms.all() if str(a.pk) != arm)
    for edited in ({**query, "a": [f"{placement}:{version}:{other_arm}"]}, {**query, "s": ["x" * 27]},
                   {k: v for k, v in query.items() if k != "s"}):
        assert owner.get("/ai/r/", {k: v[0] for k, v in edited.items()}).status_code == 302
    assert clicks() == 0
    assert owner.get(url).status_code == 302 and clicks() == 1


def test_a_signed_link_to_an_unknown_version_or_arm_is_refused(running, two_versions):  # noqa: F811
    user, client = UserFactory(), Client()
    client.force_login(user)
    mug = two_versions["mugs"][0]
    visitor = f"u:{user.pk}"
    for version, arm in ((999_999, 0), (two_versions["old"].pk, 999_999), (two_versions["old"].pk,
                                                                            running.arms.last().pk)):
        sig = attribution.signature("trending", version, mug.pk, arm, visitor)  # as if the key had leaked
        client.get("/ai/r/", {"a": f"trending:{version}:{arm}" if arm else f"trending:{version}", "p": mug.pk,
                              "next": "/", "s": sig})
    assert clicks() == 0  # the last arm serves the new version, not the old one


def test_the_open_redirect_protection_stays(running):
    client = logged_in()
    url = served(client)["results"][0]["click_url"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    for target in ("https://evil.example/", "//evil.example/"):
        assert client.get("/ai/r/", {**query, "next": target}).status_code == 400
    assert clicks() == 0


def test_the_rendered_links_are_signed_for_each_visitor_even_when_the_fragment_is_cached(two_versions):  # noqa: F811
    users = [UserFactory(), UserFactory()]
    pages = []
    for user in users:
        request = RequestFactory().get("/")
        request.user, request.session = user, SessionStore()
        pages.append(Template("{% load ai_recommendations %}{% trending_products k=2 %}").render(
            Context({"request": request})))
    deferred.flush()
    links = [html.split('<a href="', 1)[1].split('"', 1)[0].replace("&amp;", "&") for html in pages]
    assert links[0] != links[1] and links[0].split("&s=")[0] == links[1].split("&s=")[0]  # one list, two visitors
    for user, link in zip(users, links, strict=True):
        assert "aisig" not in link and "&s=" in link
        client = Client()
        client.force_login(user)
        client.get(link)
        client.get(links[0])  # the other's link, for the second: not theirs
    assert list(PlacementEvent.objects.filter(kind="click").values_list("user", flat=True).order_by("user")) == [
        users[0].pk, users[1].pk]


def test_clicks_are_limited_per_visitor(running, settings):
    configure(settings, CLICK_RATE="2/min")
    client = logged_in()
    for item in served(client, k=4)["results"]:
        client.get(item["click_url"])
    assert clicks() == 2


def test_impressions_are_limited_per_visitor_and_address(running, settings):
    configure(settings, IMPRESSION_RATE="8/min")
    client = logged_in()
    for _ in range(5):
        served(client, k=3)
    assert PlacementEvent.objects.filter(kind="impression").count() == 6  # 3 + 3; the third list would be 9
    for _ in range(3):  # other visitors from the same address: the address is over its limit too
        served(logged_in(), k=3)
    assert PlacementEvent.objects.filter(kind="impression").count() == 6


def test_the_verdict_counts_a_visitor_once_per_item(running, two_versions):  # noqa: F811
    challenger = running.arms.get(is_control=False)
    mug, other = two_versions["mugs"][4], two_versions["mugs"][5]
    user = UserFactory()
    for _ in range(10):  # rows stored before this fix, or by a script that reached the database
        for kind in ("impression", "click"):
            PlacementEvent.objects.create(placement="trending", version=1, arm=challenger.pk, product=mug, user=user,
                                          kind=kind)
        PlacementEvent.objects.create(placement="trending", version=1, arm=challenger.pk, product=other,
                                      session_key="s1", kind="impression")
        # A click on something the arm never showed that visitor, and events of nobody, count for nothing.
        PlacementEvent.objects.create(placement="trending", version=1, arm=challenger.pk, product=other, user=user,
                                      kind="click")
        PlacementEvent.objects.create(placement="trending", version=1, arm=challenger.pk, product=mug,
                                      kind="impression")
    found = {row["arm"]: row for row in results(running)["arms"]}
    assert (found[challenger]["impressions"], found[challenger]["clicks"], found[challenger]["visitors"]) == (2, 1, 2)

"""A page never repeats a product across its placements: its template tags and its API calls share what it showed."""

import re

import pytest
from django.core.cache import caches
from django.template import Context, Template
from django.test import Client, RequestFactory

from tests.merchandising.test_rules import item, shop  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
PAGE = ("{% load ai_recommendations %}{% distinct_placements %}{% trending_products k=4 %}"
        "{% trending_products k=4 category='Mugs' %}<i id='token'>{% page_token %}</i>")


@pytest.fixture(autouse=True)
def fresh():
    caches["default"].clear()


def shown_ids(html):
    return [int(pk) for pk in re.findall(r"[?&;]p=(\d+)", html)]


def test_the_tags_and_the_api_share_what_the_page_showed(shop, client):  # noqa: F811
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()  # the visitor's session, as the shop's pages make one
    store.create()
    client.cookies["sessionid"] = store.session_key
    request = RequestFactory().get("/")
    request.user, request.session = AnonymousUser(), store
    html = Template(PAGE).render(Context({"request": request}))
    token = re.search(r"<i id='token'>([^<]+)</i>", html).group(1)
    on_page = shown_ids(html)
    assert len(on_page) == 8 and len(set(on_page)) == 8  # two tags, no product twice
    first = client.get(f"/ai/api/trending/?k=4&page={token}").json()
    from_api = [int(r["product"]) for r in first["results"]]
    assert len(from_api) == 4 and not set(from_api) & set(on_page)
    second = [int(r["product"]) for r in client.get(f"/ai/api/trending/?k=4&page={token}").json()["results"]]
    assert not set(second) & {*on_page, *from_api}  # the page's second call leaves out its first too
    alone = [int(r["product"]) for r in client.get("/ai/api/trending/?k=4").json()["results"]]
    assert set(alone) & set(on_page)  # without the page's token a list stands on its own
    assert Client().get(f"/ai/api/trending/?k=4&page={token}").status_code == 200  # another visitor: a fresh page
    bad = client.get("/ai/api/trending/?k=4&page=no%20spaces")
    assert bad.status_code == 400 and "page" in bad.json()

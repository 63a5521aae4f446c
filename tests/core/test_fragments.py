"""Rendered fragments are shared between requests only when their template does not depend on the request."""

import pytest
from django.middleware.csrf import get_token
from django.template.backends.django import Template
from django.test import RequestFactory

from ai_commerce import fragments
from tests.services import DEAD_REDIS


@pytest.fixture
def renders(monkeypatch):
    calls = []
    real = Template.render

    def counted(self, context=None, request=None):
        calls.append(self.origin.template_name)
        return real(self, context, request)

    monkeypatch.setattr(Template, "render", counted)
    return calls


def request():
    req = RequestFactory().get("/")
    get_token(req)  # every request has its own CSRF token
    return req


def render(name, title="Mugs", **kwargs):
    options = {"alias": "default", "seconds": 60, "key": ("stamp", title), **kwargs}
    return fragments.render([name], {"title": title}, request(), **options)


def test_a_template_that_does_not_depend_on_the_request_renders_once(renders):
    first = render("althost/shared_badge.html")
    assert render("althost/shared_badge.html") == first == '<p class="badge">Mugs</p>\n'
    assert renders == ["althost/shared_badge.html"] * 2  # with and without the request, once
    assert render("althost/shared_badge.html", title="Jugs") == '<p class="badge">Jugs</p>\n'  # another key


def test_a_template_with_a_csrf_token_is_rendered_for_every_request(renders):
    first, second = render("althost/badge_with_form.html"), render("althost/badge_with_form.html")
    assert "csrfmiddlewaretoken" in first and first != second  # each shopper's own token
    assert len(renders) == 2 + 1  # the first render found it depends on the request; later ones just render


def test_without_a_cache_every_fragment_is_rendered(settings, renders):
    assert render("althost/shared_badge.html", seconds=0) == '<p class="badge">Mugs</p>\n'
    settings.CACHES = {**settings.CACHES, "down": DEAD_REDIS}
    assert render("althost/shared_badge.html", alias="down") == '<p class="badge">Mugs</p>\n'
    assert render("althost/shared_badge.html", alias="down") == '<p class="badge">Mugs</p>\n'
    assert len(renders) == 1 + 2 * 2

"""Rendered fragments are shared between requests only when their template does not depend on the request."""

import pytest
from django.middleware.csrf import get_token
from django.template.backends.django import Template
from django.test import RequestFactory

from ai_commerce.fragments import Fragment
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


def show(name, title="Mugs", **options):
    """What a tag does: the cached render, or a render (kept when it can be shared)."""
    fragment = Fragment([name], **{"alias": "default", "seconds": 60, "key": ("stamp", title), **options})
    found = fragment.cached()
    return found if found is not None else (fragment.render({"title": title}, request(), payload=[title]), None)


def test_a_template_that_does_not_depend_on_the_request_renders_once(renders):
    assert show("althost/shared_badge.html") == ('<p class="badge">Mugs</p>\n', None)
    assert show("althost/shared_badge.html") == ('<p class="badge">Mugs</p>\n', ["Mugs"])  # cached, with payload
    assert renders == ["althost/shared_badge.html"] * 2  # with and without the request, once
    assert show("althost/shared_badge.html", title="Jugs")[0] == '<p class="badge">Jugs</p>\n'  # another key


def test_a_template_with_a_csrf_token_is_rendered_for_every_request(renders):
    (first, _), (second, cached) = show("althost/badge_with_form.html"), show("althost/badge_with_form.html")
    assert "csrfmiddlewaretoken" in first and first != second and cached is None  # each shopper's own token
    assert len(renders) == 2 + 1  # the first render found it depends on the request; later ones just render


def test_without_a_key_or_a_cache_every_fragment_is_rendered(settings, renders):
    assert show("althost/shared_badge.html", seconds=0) == ('<p class="badge">Mugs</p>\n', None)
    assert show("althost/shared_badge.html", key=None) == ('<p class="badge">Mugs</p>\n', None)
    settings.CACHES = {**settings.CACHES, "down": DEAD_REDIS}
    for _ in range(2):
        assert show("althost/shared_badge.html", alias="down") == ('<p class="badge">Mugs</p>\n', None)
    assert len(renders) == 2 + 2 * 2  # a key given while the cache is down still tries to share (callers pass None)

"""Rendered template fragments (a placement, a review badge), cached when that is safe.

::

    from ai_commerce import fragments

    html = fragments.render(["ai_commerce/recommendations/similar.html"], context, request,
                            alias="default", seconds=300, key=(stamp, version, shown))

A fragment is cached under ``key`` (everything its context depends on: the caller includes a stamp that changes with
the data) only when its template renders the same without the request: a template that shows a CSRF token, the
shopper's name or the current path is rendered on every request, and remembered as such for ``seconds``. While the
cache is down, every fragment is rendered.
"""

import hashlib

from django.template.loader import select_template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from . import cache


def _digest(*parts):
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def render(names, context, request, *, alias, seconds, key):
    """Return the rendered ``select_template(names)``, from the cache when an earlier render could be shared."""
    template = select_template(names)
    if not seconds:
        return template.render(context, request)
    names_key = f"ai_commerce:fragment:dynamic:{_digest(tuple(names))}"
    if cache.get(alias, names_key):  # known to depend on the request
        return template.render(context, request)
    fragment_key = f"ai_commerce:fragment:{_digest(tuple(names), key, get_language())}"
    found = cache.get(alias, fragment_key)
    if found is not None:
        return mark_safe(found)
    html = template.render(context, request)
    if request is None or template.render(context, None) == html:
        cache.set(alias, fragment_key, str(html), seconds)
    else:
        cache.set(alias, names_key, True, seconds)
    return html

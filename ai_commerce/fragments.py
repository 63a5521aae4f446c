"""Rendered template fragments (a placement, a review badge), cached when that is safe.

::

    from ai_commerce.fragments import Fragment

    fragment = Fragment(["ai_commerce/recommendations/similar.html"], alias="default", seconds=300, key=served.key)
    found = fragment.cached()            # (html, payload) of an earlier render, or None
    html = fragment.render(context, request, payload=shown)

``key`` names everything the fragment's context depends on (the caller's key changes with the data); ``payload``
is stored with the html for what a cached render still has to do (log the impressions of what it shows). A render
is cached only when its template renders the same without the request: a template that shows a CSRF token, the
shopper's name or the current path is rendered for every request, and remembered as such for ``seconds``. With no
key, no ``seconds`` or the cache down, every fragment is rendered.
"""

from django.template.loader import select_template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from . import cache


class Fragment:
    def __init__(self, names, *, alias, seconds, key):
        self.names, self.alias, self.seconds = tuple(names), alias, seconds
        self.shared = key is not None and bool(seconds)
        self.key = f"ai_commerce:fragment:{cache.digest(self.names, key, get_language())}" if self.shared else None
        self.dynamic_key = f"ai_commerce:fragment:dynamic:{cache.digest(self.names)}"

    def cached(self):
        """Return (html, payload) of an earlier render with this key, or None."""
        if not self.shared:
            return None
        found = cache.get(self.alias, self.key)
        if found is None:
            return None
        html, payload = found
        return mark_safe(html), payload

    def render(self, context, request, payload=None):
        """Render the first template of ``names`` that exists; keep it for later requests when that is safe."""
        template = select_template(self.names)
        html = template.render(context, request)
        if self.shared and not cache.get(self.alias, self.dynamic_key):
            if request is None or template.render(context, None) == html:
                cache.set(self.alias, self.key, (str(html), payload), self.seconds)
            else:  # it depends on the request: stop trying for a while
                cache.set(self.alias, self.dynamic_key, True, self.seconds)
        return html

"""Add the AI dashboard to an admin site: its URLs under ``ai_commerce/dashboard/`` and a link in the app list.

``ai_commerce.admin`` calls ``install(site)`` for the site that registers ``ModelVersionAdmin``, so the default
``admin.site`` and a host's own ``AdminSite`` get it alike. Installing twice is harmless.
"""

from functools import partial, update_wrapper

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from . import views


def install(site):
    """Wrap ``site.get_urls`` and ``site.get_app_list`` so that they include the dashboard (once per site)."""
    if getattr(site, "_ai_commerce_dashboard", False):
        return
    site._ai_commerce_dashboard = True
    get_urls, get_app_list = site.get_urls, site.get_app_list

    def wrap(view, **kwargs):
        return site.admin_view(update_wrapper(partial(view, site=site, **kwargs), view))

    def dashboard_urls():
        return [
            path("ai_commerce/dashboard/", wrap(views.dashboard), name="ai_commerce_dashboard"),
            path("ai_commerce/dashboard/progress/", wrap(views.progress), name="ai_commerce_dashboard_progress"),
            path("ai_commerce/dashboard/retrain/<str:kind>/", wrap(views.retrain),
                 name="ai_commerce_dashboard_retrain"),
            path("ai_commerce/dashboard/rollback/<str:kind>/", wrap(views.rollback),
                 name="ai_commerce_dashboard_rollback"),
            *get_urls(),
        ]

    def app_list_with_dashboard(request, app_label=None):
        app_list = get_app_list(request, app_label)
        if not request.user.has_perm(views.VIEW_PERMISSION):
            return app_list
        for app in app_list:
            if app["app_label"] == "ai_commerce":
                app["models"].insert(0, {
                    "name": _("AI dashboard"), "object_name": "Dashboard", "model": None,
                    "perms": {"view": True}, "view_only": True, "add_url": None,
                    "admin_url": reverse(f"{site.name}:ai_commerce_dashboard"),
                })
        return app_list

    site.get_urls = dashboard_urls
    site.get_app_list = app_list_with_dashboard

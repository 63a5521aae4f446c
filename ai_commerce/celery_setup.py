"""Which Celery app sends ai_commerce's tasks, so that a shop's ``CELERY_*`` settings apply, with or without a
``celery.py`` of its own.

``@shared_task`` sends through ``celery.current_app``. A project with the usual ``celery.py`` (imported from its
``__init__.py``) makes its app the current one; a project without one would get the app Celery makes up, which reads
no Django settings at all: ``CELERY_TASK_ALWAYS_EAGER`` does nothing and tasks go to ``amqp://guest@localhost``.
``install()``, called from ``AiCommerceConfig.ready()``, replaces that made-up app by one configured from Django
settings (``CELERY_`` namespace), and makes the project's app, when there is one, the default in every thread.
Workers still need the project's ``celery.py`` (``celery -A yourproject worker``).

``runs_in_process()`` says whether tasks run eagerly, inside the caller's process (a web request, for a click).
"""

from celery import Celery, _state, current_app

APP_NAME = "ai_commerce"


def is_fallback(app):
    """Whether ``app`` is the one Celery creates when nobody created an app (``main='default'``, no fix-ups, never
    current): it reads no settings."""
    return app.main == "default" and not app.fixups and not app.set_as_current


def install():
    """Make sure ``@shared_task`` uses an app configured by the project, or else one configured from Django
    settings, in every thread; return it."""
    app = current_app._get_current_object()
    if is_fallback(app):
        app = Celery(APP_NAME)
        app.config_from_object("django.conf:settings", namespace="CELERY")
    default = _state.default_app
    if default is None or is_fallback(default):
        # A project app created before DJANGO_SETTINGS_MODULE was set is current in its own thread only.
        app.set_default()
    return app


def runs_in_process():
    """Whether Celery runs tasks eagerly, in the calling process, rather than sending them to a worker."""
    return bool(current_app.conf.task_always_eager)

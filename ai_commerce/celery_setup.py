"""Which Celery app sends ai_commerce's tasks, so that a shop's ``CELERY_*`` settings apply, with or without a
``celery.py`` of its own.

``@shared_task`` sends through ``celery.current_app``. A project with the usual ``celery.py`` (imported from its
``__init__.py``) makes its app the current one; a project without one would get the app Celery makes up, which reads
no Django settings at all: ``CELERY_TASK_ALWAYS_EAGER`` does nothing and tasks go to ``amqp://guest@localhost``.
``install()``, called from ``AiCommerceConfig.ready()``, replaces that made-up app by one configured from Django
settings (``CELERY_`` namespace), and makes the project's app, when there is one, the default in every thread.
Workers still need the project's ``celery.py`` (``celery -A yourproject worker``).

``runs_in_process()`` says whether tasks run eagerly, inside the caller's process (a web request, for a click).

``send(task, *args)`` is how the web process sends a task after a save (``transaction.on_commit``): it never waits on
the broker. Celery's ``delay`` retries a failed publish (``task_publish_retry_policy``: 0.6 s when the broker refuses
connections, per task) and connects with ``broker_connection_timeout`` (4 s by default, for a broker that does not
answer); ``send`` makes one attempt, on a connection of its own whose connect and socket timeouts are
``AI_COMMERCE["BROKER_SEND_TIMEOUT"]`` seconds, and raises at once. The caller logs the error, and the sweep
(``ai_commerce.tasks.sweep_task``) catches up: unsent training runs, unscored reviews.
"""

from celery import Celery, _state, current_app

from .conf import app_settings

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


def send(task, *args, **kwargs):
    """Send ``task(*args, **kwargs)`` to a worker without waiting on the broker (see the module's docstring); in
    eager mode, run it here as ``delay`` would. Return its AsyncResult; raise the broker's error at once."""
    app = task._get_app()
    if app.conf.task_always_eager:
        return task.apply_async(args, kwargs)
    timeout = app_settings.BROKER_SEND_TIMEOUT
    options = {**(app.conf.broker_transport_options or {}), "socket_connect_timeout": timeout,
               "socket_timeout": timeout, "max_retries": 0}
    with app.connection_for_write(connect_timeout=timeout, transport_options=options) as connection:
        return task.apply_async(args, kwargs, connection=connection, retry=False)

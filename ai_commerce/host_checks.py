"""System checks of how the shop runs ai_commerce, beyond the shape of ``AI_COMMERCE``: what fails silently otherwise.

* ``ai_commerce.W007``: a SQLite database without the options Django gives for concurrent requests, so that a
  request that writes (the shop's own, or a page's records of what it showed) meets "database is locked" and a 500.
* ``ai_commerce.W008``: the host's product page (``ShopAdapter.product_template``, e.g. Oscar's) is not overridden
  anywhere the template loaders look, so no ai_commerce tag shows on it.
* ``ai_commerce.W009``: ``ORDER_STATUSES_EXCLUDED`` names a status the shop's orders never have (a typo would count
  cancelled orders as purchases).
* ``ai_commerce.W010`` (a database check: ``migrate``, ``check --database default``): tasks run eagerly, yet beat
  schedules are enabled that no beat process will run; cron runs them instead.
"""

import difflib
import re
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.db import DatabaseError
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from .adapter import get_adapter
from .conf import app_settings

#: What Django's SQLite notes advise for a site that serves concurrent requests: every transaction takes the write
#: lock when it begins (so none fails when it later writes), readers do not block the writer (WAL), and a writer
#: waits for the lock up to ``timeout`` seconds.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
#: The template libraries whose tags put ai_commerce on a page.
LIBRARIES = {"ai_commerce", "ai_recommendations", "ai_sentiment"}
LOAD = re.compile(r"{%\s*load\s+(.*?)\s*%}")


def _in_memory(name):
    name = str(name or "")
    return name in ("", ":memory:") or "mode=memory" in name


@checks.register()
def check_sqlite_concurrency(app_configs=None, **kwargs):
    warnings = []
    for alias, database in settings.DATABASES.items():
        if not database.get("ENGINE", "").endswith("sqlite3") or _in_memory(database.get("NAME")):
            continue
        options = database.get("OPTIONS") or {}
        missing = []
        if str(options.get("transaction_mode", "")).upper() != "IMMEDIATE":
            missing.append('"transaction_mode": "IMMEDIATE"')
        if "journal_mode=wal" not in str(options.get("init_command", "")).lower().replace(" ", ""):
            missing.append("WAL journal mode")
        if options.get("timeout", 5) < 5:
            missing.append("a timeout of 5 seconds or more")
        if missing:
            warnings.append(checks.Warning(
                f"DATABASES[{alias!r}] is SQLite without {', '.join(missing)}: when two requests write at once "
                "(a product page records the view while the next page saves the shop's own analytics), one of them "
                "answers 500 \"database is locked\".",
                hint=f'Set DATABASES[{alias!r}]["OPTIONS"] = {SQLITE_OPTIONS!r}, as Django\'s SQLite notes advise '
                '(docs/getting-started.md, "A small shop on SQLite"), or run PostgreSQL.',
                obj=f"settings.DATABASES[{alias!r}]", id="ai_commerce.W007"))
    return warnings


def _template_folders():
    """Folders where a project usually keeps its templates: ``templates/`` beside the settings module, its package
    and the working directory."""
    folders = [Path.cwd() / "templates"]
    module = getattr(import_module(settings.SETTINGS_MODULE), "__file__", None) if settings.SETTINGS_MODULE else None
    if module:
        here = Path(module).resolve().parent
        folders += [here / "templates", here.parent / "templates"]
    return list(dict.fromkeys(folder.resolve() for folder in folders))


def _loads_ours(source):
    return any(LIBRARIES & set(names.split()) for names in LOAD.findall(source))


@checks.register(checks.Tags.templates)
def check_product_template(app_configs=None, **kwargs):
    try:
        name = get_adapter().product_template
    except Exception:  # noqa: BLE001 - a broken adapter is reported by its own checks
        return []
    if not name:
        return []
    try:
        template = get_template(name)
    except TemplateDoesNotExist:
        return []  # the host's own template is missing: the host's problem, and its pages say so
    template = getattr(template, "template", template)
    if _loads_ours(getattr(template, "source", "")):
        return []
    dirs = {Path(folder).resolve() for engine in settings.TEMPLATES for folder in engine.get("DIRS", ())}
    unread = [folder for folder in _template_folders() if (folder / name).is_file() and folder not in dirs]
    where = f"The product page is the host's own ({template.origin.name})"
    if unread:
        problem = f"your override {unread[0] / name} is in no folder the template loaders read"
        fix = f'Add {unread[0]} to TEMPLATES[0]["DIRS"], e.g. "DIRS": [BASE_DIR / "templates"].'
    else:
        problem = f"no template named {name!r} that loads ai_commerce's tags comes first"
        fix = (f"Add templates/{name} that extends it with the tags (docs/oscar.md shows it), "
               'and its folder to TEMPLATES[0]["DIRS"], e.g. "DIRS": [BASE_DIR / "templates"].')
    return [checks.Warning(f"{where}: {problem}, so no ai_commerce tag shows on product pages.", hint=fix,
                           obj="settings.TEMPLATES", id="ai_commerce.W008")]


@checks.register()
def check_excluded_statuses(app_configs=None, **kwargs):
    excluded = app_settings.ORDER_STATUSES_EXCLUDED
    if not excluded or not isinstance(excluded, list | tuple | set | frozenset):
        return []  # none, or malformed (E108)
    try:
        known = get_adapter().order_statuses()
    except Exception:  # noqa: BLE001 - a broken adapter or mapping is reported by its own checks
        return []
    if known is None:
        return []
    unknown = [status for status in excluded if status not in known]
    if not unknown:
        return []
    guesses = {status: difflib.get_close_matches(str(status), known, n=1) for status in unknown}
    meant = "; ".join(f"{status!r} -> {close[0]!r}?" for status, close in guesses.items() if close)
    return [checks.Warning(
        f"AI_COMMERCE['ORDER_STATUSES_EXCLUDED'] names {', '.join(map(repr, unknown))}, which no order can have "
        f"(the shop's statuses: {', '.join(map(repr, known))}), so orders in the statuses you meant count as "
        "purchases.",
        hint=(f"Did you mean {meant} " if meant else "") + "Name statuses of the shop's pipeline (with django-oscar, "
        "OSCAR_ORDER_STATUS_PIPELINE), e.g. ai_oscar.settings(excluded_statuses=(...)).",
        obj="settings.AI_COMMERCE", id="ai_commerce.W009")]


def runs_eagerly():
    """Whether the Celery app that sends our tasks runs them in-process (no worker, no beat)."""
    from celery import current_app

    return bool(current_app.conf.task_always_eager)


def enabled_schedules():
    """The names of the enabled beat schedules of ai_commerce's tasks ([] before the tables are migrated)."""
    from django_celery_beat.models import PeriodicTask

    try:
        return list(PeriodicTask.objects.filter(enabled=True, task__startswith="ai_commerce.")
                    .order_by("name").values_list("name", flat=True))
    except DatabaseError:
        return []


@checks.register(checks.Tags.database)
def check_schedules_have_a_runner(app_configs=None, databases=None, **kwargs):
    if not databases or not runs_eagerly():
        return []
    names = enabled_schedules()
    if not names:
        return []
    return [checks.Warning(
        f"Tasks run eagerly (CELERY_TASK_ALWAYS_EAGER) but {len(names)} beat schedules are enabled "
        f"({', '.join(names)}), and no beat process runs them in this mode: nothing retrains or catches up.",
        hint="Run `python manage.py ai_commerce_setup_schedules --cron` and add the lines it prints to your crontab, "
        "then disable these schedules in the admin (Periodic tasks); or run a worker and beat with a broker.",
        obj="django_celery_beat.PeriodicTask", id="ai_commerce.W010")]

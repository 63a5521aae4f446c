"""Admin views of the AI dashboard: the page, the live progress JSON, and retrain / roll back buttons.

They are wired into an admin site by ``ai_commerce.dashboard.site.install(site)`` (done for the site that registers
``ModelVersionAdmin``) and are reached at ``/admin/ai_commerce/dashboard/``. Every view checks Django permissions:
looking needs ``ai_commerce.view_modelversion``; retraining and rolling back need ``ai_commerce.change_modelversion``.
"""

import functools

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ai_commerce import capabilities, celery_setup, registry, tasks
from ai_commerce.models import ModelVersion, TrainingRun

from . import charts, panels

VIEW_PERMISSION = "ai_commerce.view_modelversion"
CHANGE_PERMISSION = "ai_commerce.change_modelversion"
DAY_CHOICES = (14, 30, 60, 90, 180, 365)


def _require(request, permission):
    if not request.user.has_perm(permission):
        raise PermissionDenied


def admin_url(site, name, query=None):
    """The URL of admin view ``name`` on ``site`` (with ``query``), or None when the site does not have it."""
    try:
        url = reverse(f"{site.name}:{name}")
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode(query)}" if query else url


def dashboard(request, site):
    """Render the dashboard: per installed capability its versions, last run, metrics, data and own panel."""
    _require(request, VIEW_PERMISSION)
    try:
        days = int(request.GET.get("days", 60))
    except ValueError:
        days = 60
    days = days if days in DAY_CHOICES else 60
    installed = capabilities.installed()
    kinds = [capability.kind for capability in installed]
    overview = panels.overview(kinds)
    history = panels.versions_over_time(kinds)
    dates, volume = panels.events_per_day(days=days)
    can_change = request.user.has_perm(CHANGE_PERMISSION)
    cards = []
    for capability in installed:
        kind, versions = capability.kind, history[capability.kind]
        names = [name for name in capability.key_metrics if any(name in v.metrics for v in versions)]
        if not names and versions:
            names = [name for name, _ in panels.key_metrics(versions[-1])]
        series = {name: [(v.created_at, v.metrics.get(name)) for v in versions
                         if isinstance(v.metrics.get(name), int | float)] for name in names}
        cards.append({
            "kind": kind, "label": capability.label_text, **overview[kind],
            "trains": registry.get_trainer(kind) is not None,
            "metrics_chart": charts.line_chart(series, title=_("Held-out metrics of each %(kind)s version")
                                               % {"kind": capability.label_text}),
            "version_count": len(versions),
            "panel": capability.panel(request, site, overview[kind]["active"]),
            "panel_template": capability.dashboard_template,
        })
    context = {
        **site.each_context(request),
        "title": _("AI dashboard"),
        "capabilities": cards,
        "can_change": can_change,
        "days": days, "day_choices": DAY_CHOICES,
        "volume_chart": charts.bar_chart([d.strftime("%m-%d") for d in dates], volume,
                                         title=_("Events per day (purchases are order lines, ratings are reviews)"),
                                         y_label=_("events")),
        "volume_total": sum(sum(values) for values in volume.values()),
        "volume_end": dates[-1], "volume_quiet_days": (timezone.localdate() - dates[-1]).days,
        "progress_url": reverse(f"{site.name}:ai_commerce_dashboard_progress"),
        "versions_url": admin_url(site, "ai_commerce_modelversion_changelist"),
        "runs_url": admin_url(site, "ai_commerce_trainingrun_changelist"),
        "schedules": _schedules(request, site),
    }
    return TemplateResponse(request, "admin/ai_commerce/dashboard.html", context)


def _schedules(request, site):
    """Return the django-celery-beat schedules of ai_commerce and a link to them, when the user may see them."""
    if not apps.is_installed("django_celery_beat") or not request.user.has_perm("django_celery_beat.view_periodictask"):
        return None
    from django_celery_beat.models import PeriodicTask

    tasks = list(PeriodicTask.objects.filter(task__startswith="ai_commerce.").select_related("crontab", "interval")
                 .order_by("name"))
    return {"tasks": tasks, "url": admin_url(site, "django_celery_beat_periodictask_changelist",
                                              {"q": "ai_commerce"})}


def run_state(run):
    """Return the JSON-able state of a training run, as the progress endpoint sends it."""
    version = run.model_version
    return {
        "id": run.pk, "kind": run.kind, "status": run.status, "status_label": run.get_status_display(),
        "progress": run.progress, "message": run.message,
        "finished": run.status not in (TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING),
        "duration_seconds": run.duration.total_seconds() if run.duration else None,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "model_version": None if version is None else {"id": version.pk, "label": str(version),
                                                       "is_active": version.is_active},
    }


def progress(request, site):
    """Answer JSON with the state of the runs named by ``?run=<id>`` (or the latest run of each installed kind)."""
    if not (request.user.has_perm(VIEW_PERMISSION) or request.user.has_perm("ai_commerce.view_trainingrun")):
        raise PermissionDenied
    wanted = [int(pk) for pk in request.GET.getlist("run") if pk.isdigit()][:20]
    if wanted:
        runs = list(TrainingRun.objects.filter(pk__in=wanted).select_related("model_version"))
    else:
        runs = list(panels.last_runs(capabilities.kinds()).values())
    active = {v.kind: {"id": v.pk, "label": str(v)} for v in ModelVersion.objects.active()}
    return JsonResponse({"runs": [run_state(run) for run in runs], "active": active})


def _post_only(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return None


def _registry_action(action):
    """A dashboard button: POST only, the change permission, an installed kind; then back to the dashboard."""

    @functools.wraps(action)
    def view(request, site, kind):
        _require(request, CHANGE_PERMISSION)
        refused = _post_only(request)
        if refused:
            return refused
        if capabilities.get(kind) is None:
            messages.error(request, _("%(kind)s is not installed.") % {"kind": kind})
        else:
            action(request, kind)
        return redirect(reverse(f"{site.name}:ai_commerce_dashboard"))

    return view


def training_command_message(kind):
    """Say why ``kind`` is not trained from a click when tasks run eagerly, and which command trains it."""
    return _("Celery runs tasks inside the web process here (CELERY_TASK_ALWAYS_EAGER), so %(kind)s is not trained "
             "from this page, which would wait for the whole training. Run “python manage.py ai_commerce_train "
             "%(kind)s” on the server (it shows progress), or set CELERY_BROKER_URL and run a Celery worker to "
             "retrain from here.") % {"kind": kind}


@_registry_action
def retrain(request, kind):
    """Enqueue a training run of ``kind`` for a worker; the dashboard then shows its progress. When tasks run
    eagerly, train nothing inside the request: say which command does it."""
    if celery_setup.runs_in_process():
        messages.warning(request, training_command_message(kind))
        return
    run = tasks.enqueue_training(kind, triggered_by="admin", user=request.user)
    messages.success(request, _("Training run %(id)s of %(kind)s is queued; its progress shows below.")
                     % {"id": run.pk, "kind": kind})


@_registry_action
def rollback(request, kind):
    """Re-activate the previous version of ``kind``, or say why it cannot."""
    try:
        version = registry.rollback(kind)
    except registry.ActivationRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(kind)s v%(id)s is active again.") % {"kind": kind, "id": version.pk})

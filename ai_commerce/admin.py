"""Admin of the core app: the AI dashboard, the event log, the model registry with its actions, training runs,
staff's tuning and the erasure log (read-only, and never deleted here: it is the record that a user was forgotten).

Rows here are written by code: staff look at them and act through the registry (activate, roll back, retrain now),
never by editing a version. The AI dashboard hangs off ``DashboardAdmin.get_urls()`` at
``<admin>/ai_commerce/dashboard/``, so a shop with its own ``AdminSite`` registers these admins there and gets it
too. Permissions: viewing needs the model's view permission (the dashboard: ``ai_commerce.view_modelversion``); the
registry actions need ``ai_commerce.change_modelversion``.
"""

import json
from functools import update_wrapper

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import capabilities, celery_setup, privacy, registry, tasks, tuning
from .dashboard import panels, views
from .models import Dashboard, Erasure, Interaction, ModelVersion, TrainingRun, Tuning
from .readonly_admin import ReadOnlyAdmin


@admin.register(Dashboard)
class DashboardAdmin(admin.ModelAdmin):
    """The AI dashboard: its page, live progress JSON and registry buttons, as this admin's URLs."""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(views.VIEW_PERMISSION)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        def wrap(view):
            def with_site(request, **kwargs):
                request.current_app = self.admin_site.name  # {% url "admin:..." %} resolves on this site
                return view(request, site=self.admin_site, **kwargs)

            return self.admin_site.admin_view(update_wrapper(with_site, view))

        dashboard = wrap(views.dashboard)
        return [
            path("", dashboard, name="ai_commerce_dashboard"),
            path("", dashboard, name="ai_commerce_dashboard_changelist"),  # the admin index links the changelist
            path("progress/", wrap(views.progress), name="ai_commerce_dashboard_progress"),
            path("retrain/<str:kind>/", wrap(views.retrain), name="ai_commerce_dashboard_retrain"),
            path("rollback/<str:kind>/", wrap(views.rollback), name="ai_commerce_dashboard_rollback"),
        ]


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "kind", "product", "user", "session_key", "quantity", "source")
    list_filter = ("kind", "source", ("occurred_at", admin.DateFieldListFilter))
    search_fields = ("event_id", "session_key", "order_ref")
    date_hierarchy = "occurred_at"
    list_select_related = ("product", "user")
    raw_id_fields = ("product", "user")


def _metric_value(value):
    return f"{value:.4f}" if isinstance(value, float) else str(value)


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kind", "status", "is_active", "metrics_display", "created_at", "activated_at",
                    "note")
    list_filter = ("kind", "status", "is_active")
    search_fields = ("note",)
    actions = ("activate", "rollback", "retrain", "compare")
    readonly_fields = ("metrics_table",)
    fieldsets = (
        (None, {"fields": ("kind", "status", "is_active", "note")}),
        (_("Held-out metrics"), {"fields": ("metrics_table", "metrics")}),
        (_("Training"), {"fields": ("params", "data_start", "data_end", "artifacts", "created_at",
                                    "activated_at")}),
    )

    def has_change_permission(self, request, obj=None):
        # A version is immutable, so there is no change form; the change permission grants the registry actions.
        return obj is None and admin.ModelAdmin.has_change_permission(self, request)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        compare = self.admin_site.admin_view(self.compare_view)
        return [path("compare/", compare, name="%s_%s_compare" % info), *super().get_urls()]  # noqa: UP031

    @admin.display(description=_("key metrics"))
    def metrics_display(self, version):
        pairs = panels.key_metrics(version)
        if not pairs:
            return "-"
        return format_html_join(mark_safe("<br>"), "{}&nbsp;{}", ((n, _metric_value(v)) for n, v in pairs))

    @admin.display(description=_("metrics, flattened"))
    def metrics_table(self, version):
        rows = panels.flat_metrics(version.metrics)
        if not rows:
            return _("not evaluated")
        body = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>",
                                ((n, _metric_value(v)) for n, v in sorted(rows.items())))
        return format_html('<table class="ai-metrics">{}</table>', body)

    @admin.action(description=_("Activate the selected version"), permissions=["change"])
    def activate(self, request, queryset):
        versions = list(queryset)
        kinds = [v.kind for v in versions]
        if len(set(kinds)) != len(kinds):
            self.message_user(request, _("Select at most one version of each kind to activate."), messages.ERROR)
            return
        for version in versions:
            try:
                registry.activate(version, note=f"Activated in the admin by {request.user}.")
            except registry.ActivationRefused as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, _("%(kind)s v%(id)s is now active.")
                                  % {"kind": version.kind, "id": version.pk}, messages.SUCCESS)

    @admin.action(description=_("Roll back to the previous version (of the selected versions' kinds)"),
                  permissions=["change"])
    def rollback(self, request, queryset):
        for kind in sorted(set(queryset.values_list("kind", flat=True))):
            try:
                version = registry.rollback(kind)
            except registry.ActivationRefused as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, _("%(kind)s v%(id)s is active again.")
                                  % {"kind": version.kind, "id": version.pk}, messages.SUCCESS)

    @admin.action(description=_("Retrain now (the selected versions' kinds)"), permissions=["change"])
    def retrain(self, request, queryset):
        installed = capabilities.kinds()
        kinds = sorted(set(queryset.values_list("kind", flat=True)))
        for kind in set(kinds) - set(installed):
            self.message_user(request, _("%(kind)s is not installed.") % {"kind": kind}, messages.ERROR)
        if celery_setup.runs_in_process():  # training here would hold the request for the whole run
            for kind in (k for k in kinds if k in installed):
                self.message_user(request, views.training_command_message(kind), messages.WARNING)
            return None
        runs = [tasks.enqueue_training(kind, triggered_by="admin", user=request.user)
                for kind in kinds if kind in installed]
        if not runs:
            return None
        self.message_user(request, ngettext("%(n)d training run queued; its progress shows below.",
                                            "%(n)d training runs queued; their progress shows below.", len(runs))
                          % {"n": len(runs)}, messages.SUCCESS)
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:ai_commerce_dashboard"))

    @admin.action(description=_("Compare the selected versions side by side"), permissions=["view"])
    def compare(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True)[:12])
        url = reverse(f"{self.admin_site.name}:ai_commerce_modelversion_compare")
        return HttpResponseRedirect(f"{url}?{urlencode({'ids': ','.join(map(str, ids))})}")

    def compare_view(self, request):
        """Show the selected versions' metrics (every numeric one, flattened) and parameters in columns."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        ids = [int(pk) for pk in request.GET.get("ids", "").split(",") if pk.strip().isdigit()][:12]
        versions = list(ModelVersion.objects.filter(pk__in=ids).order_by("kind", "created_at", "pk"))
        flats = [panels.flat_metrics(v.metrics) for v in versions]
        key_names = {n for v in versions for n, _ in panels.key_metrics(v)}
        names = sorted(set().union(*flats), key=lambda n: (n not in key_names, n)) if flats else []
        rows = []
        for name in names:
            values = [flat.get(name) for flat in flats]
            present = [v for v in values if v is not None]
            best = max(present) if len(present) > 1 and name in key_names else None
            rows.append({"name": name, "key": name in key_names,
                         "cells": [{"value": _metric_value(v) if v is not None else "", "best": v == best}
                                   for v in values]})
        param_names = sorted(set().union(*(v.params for v in versions))) if versions else []
        params = [{"name": n, "cells": [v.params.get(n, "") for v in versions]} for n in param_names]
        context = {
            **self.admin_site.each_context(request), "title": _("Compare model versions"), "opts": self.opts,
            "versions": versions, "rows": rows, "params": params,
            "mixed_kinds": len({v.kind for v in versions}) > 1,
        }
        return TemplateResponse(request, "admin/ai_commerce/modelversion/compare.html", context)


@admin.register(TrainingRun)
class TrainingRunAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kind", "status", "progress_display", "triggered_by", "created_at", "duration")
    list_filter = ("kind", "status", "triggered_by")
    list_select_related = ("model_version",)
    readonly_fields = ("live_progress", "log_display", "error_display", "duration")
    fieldsets = (
        (None, {"fields": ("kind", "status", "live_progress", "model_version", "triggered_by", "triggered_by_user",
                           "task_id")}),
        (_("Times"), {"fields": ("created_at", "started_at", "finished_at", "heartbeat_at", "duration")}),
        (_("Log"), {"fields": ("log_display",)}),
        (_("Error"), {"fields": ("error_display",)}),
    )

    class Media:
        css = {"all": ("ai_commerce/dashboard.css",)}
        js = ("ai_commerce/dashboard.js",)

    @admin.display(description=_("progress"))
    def progress_display(self, run):
        return f"{run.progress}% {run.message}".strip()

    @admin.display(description=_("progress"))
    def live_progress(self, run):
        state = views.run_state(run)
        url = reverse(f"{self.admin_site.name}:ai_commerce_dashboard_progress")
        return format_html(
            '<div class="ai-run" data-ai-progress-url="{}?run={}" data-ai-reload="1">'
            '<progress max="100" value="{}"></progress> <span class="ai-run-text">{}% {}</span></div>',
            url, run.pk, state["progress"], state["progress"], state["message"])

    @admin.display(description=_("log"))
    def log_display(self, run):
        return format_html('<pre class="ai-pre">{}</pre>', run.log) if run.log else "-"

    @admin.display(description=_("error"))
    def error_display(self, run):
        return format_html('<pre class="ai-pre ai-error">{}</pre>', run.error) if run.error else "-"


class TuningForm(forms.ModelForm):
    kind = forms.ChoiceField(label=_("capability"))

    class Meta:
        model = Tuning
        fields = ("kind", "values")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(c.kind, c.label_text) for c in capabilities.installed()]

    def clean(self):
        cleaned = super().clean()
        kind, values = cleaned.get("kind"), cleaned.get("values")
        if kind and values is not None:
            for problem in tuning.problems(kind, values):
                self.add_error("values", problem)
        return cleaned


@admin.register(Tuning)
class TuningAdmin(admin.ModelAdmin):
    """Staff tune a capability here (hyperparameters, aspect lexicons, moderation words, holdouts); the next
    training or scoring run uses it. Each value is checked like the settings file."""

    form = TuningForm
    list_display = ("kind", "values", "updated_at", "updated_by")
    readonly_fields = ("tunable_keys", "effective", "updated_at", "updated_by")

    @admin.display(description=_("keys you can tune"))
    def tunable_keys(self, obj):
        return ", ".join(f"{c.kind}: {' '.join(c.tunable)}" for c in capabilities.installed() if c.tunable)

    @admin.display(description=_("what the next run uses"))
    def effective(self, obj):
        if obj is None or not obj.kind:
            return "-"
        return format_html("<pre>{}</pre>", json.dumps(tuning.tuned(obj.kind), indent=2, default=str))

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Erasure)
class ErasureAdmin(ReadOnlyAdmin):
    """Who asked to forget whom (a hash) and when, and what each forgetter removed. Searching for a user id finds
    its hash: the id itself is never stored."""

    list_display = ("erased_at", "short_hash", "requested_by", "removed_display")
    list_filter = ("requested_by", ("erased_at", admin.DateFieldListFilter))
    search_fields = ("^user_hash",)
    search_help_text = _("A user id (its hash is looked up), or the start of a hash.")
    date_hierarchy = "erased_at"
    fields = ("erased_at", "user_hash", "requested_by", "removed_display")
    readonly_fields = fields

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        by_id = queryset.filter(user_hash__in=privacy.user_hashes(term)) if term else queryset.none()
        if by_id.exists():
            return by_id, False
        return super().get_search_results(request, queryset, term.lower())

    @admin.display(description=_("user hash"), ordering="user_hash")
    def short_hash(self, erasure):
        return f"{erasure.user_hash[:12]}…"

    @admin.display(description=_("rows removed"))
    def removed_display(self, erasure):
        return ", ".join(f"{n} {name}" for name, n in sorted(erasure.removed.items())) or "-"

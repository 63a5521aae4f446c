"""Admin of recommendations: the serving tables of each version, read-only (a training run writes them), and the
experiments staff create, start, stop and conclude, with their results page."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ai_commerce.readonly_admin import ReadOnlyAdmin

from . import experiments
from .models import (
    ContentNeighbour,
    Experiment,
    ExperimentArm,
    PlacementEvent,
    Recommendation,
    RelatedProduct,
    TrendingProduct,
)


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    list_display = ("user", "rank", "product", "score", "reason", "because", "model_version")
    list_filter = ("model_version", "reason")
    list_select_related = ("user", "product", "because", "model_version")
    raw_id_fields = ("user",)
    search_fields = ("user__username",)


@admin.register(RelatedProduct)
class RelatedProductAdmin(ReadOnlyAdmin):
    list_display = ("source", "kind", "rank", "product", "score", "model_version")
    list_filter = ("model_version", "kind")
    list_select_related = ("source", "product", "model_version")


@admin.register(TrendingProduct)
class TrendingProductAdmin(ReadOnlyAdmin):
    list_display = ("category", "rank", "product", "score", "model_version")
    list_filter = ("model_version", "category")
    list_select_related = ("product", "model_version")


@admin.register(ContentNeighbour)
class ContentNeighbourAdmin(ReadOnlyAdmin):
    list_display = ("source", "rank", "product", "score", "created_at")
    list_select_related = ("source", "product")


@admin.register(PlacementEvent)
class PlacementEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "kind", "placement", "version", "arm", "product", "user")
    list_filter = ("kind", "placement", "version")
    list_select_related = ("product", "user")


class ArmFormSet(BaseInlineFormSet):
    """The arms, checked together: versions of recommendations with serving rows, one control, shares of 100%."""

    def clean(self):
        super().clean()
        # Each form has already copied its cleaned fields onto its instance (ModelForm._post_clean).
        arms = [form.instance for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        errors = experiments.problems(self.instance, arms)
        if "arms" in errors:
            raise ValidationError(errors["arms"])


class ArmInline(admin.TabularInline):
    model = ExperimentArm
    formset = ArmFormSet
    extra = 2
    fields = ("name", "version", "weight", "is_control")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "version":
            from ai_commerce.models import ModelVersion

            kwargs["queryset"] = ModelVersion.objects.of_kind("recommendations")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.status == Experiment.Status.DRAFT  # the arms of a started experiment stay put

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "metric", "planned_per_arm", "starts_at", "stops_at", "winner", "results_link")
    list_filter = ("status", "metric")
    readonly_fields = ("status", "planned_per_arm", "winner")
    inlines = [ArmInline]
    actions = ["start_experiments", "stop_experiments"]
    fieldsets = (
        (None, {"fields": ("name", "placements", "status", ("starts_at", "stops_at"), "winner")}),
        (_("What decides"), {"fields": ("metric", "base_rate", "min_effect_pct", "significance", "power",
                                         "planned_per_arm"),
                             "description": _("The planned sample per arm follows from the base rate and the smallest "
                                              "effect worth detecting; no winner is called before every arm has it.")}),
    )

    @admin.display(description=_("results"))
    def results_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:ai_commerce_recommendations_experiment_results",
                                                          args=[obj.pk]), _("results"))

    def get_urls(self):
        return [path("<int:pk>/results/", self.admin_site.admin_view(self.results_view),
                     name="ai_commerce_recommendations_experiment_results"), *super().get_urls()]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        experiment = form.instance
        messages.info(request, _("Planned sample: %(n)s %(unit)s per arm.") % {
            "n": f"{experiment.planned_per_arm:,}",
            "unit": _("impressions") if experiment.metric == Experiment.Metric.CTR else _("visitors")})

    def _each(self, request, queryset, step, done):
        for experiment in queryset:
            try:
                step(experiment)
            except experiments.ExperimentRefused as refused:
                self.message_user(request, str(refused), messages.ERROR)
            else:
                self.message_user(request, done % {"name": experiment.name}, messages.SUCCESS)

    @admin.action(description=_("Start the selected experiments"), permissions=["change"])
    def start_experiments(self, request, queryset):
        self._each(request, queryset, experiments.start, _("%(name)s is running."))

    @admin.action(description=_("Stop the selected experiments"), permissions=["change"])
    def stop_experiments(self, request, queryset):
        self._each(request, queryset, experiments.stop, _("%(name)s is stopped."))

    def results_view(self, request, pk):
        from .verdict import results

        experiment = get_object_or_404(Experiment, pk=pk)
        if not self.has_view_permission(request, experiment):
            raise PermissionDenied
        found = results(experiment)
        if request.method == "POST":
            if not self.has_change_permission(request, experiment):
                raise PermissionDenied
            winner = next((row["arm"] for row in found["arms"] if str(row["arm"].pk) == request.POST.get("winner")),
                          None)
            try:
                experiments.conclude(experiment, winner)
            except experiments.ExperimentRefused as refused:
                self.message_user(request, str(refused), messages.ERROR)
            else:
                self.message_user(request, _("%(name)s is concluded.") % {"name": experiment.name} + (
                    " " + _("%(version)s is active.") % {"version": winner.version}
                    if winner is not None and winner.version is not None else ""), messages.SUCCESS)
            return HttpResponseRedirect(request.path)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "experiment": experiment,
                   "results": found, "title": _("Results of %(name)s") % {"name": experiment.name},
                   "can_conclude": self.has_change_permission(request, experiment)
                   and experiment.status != Experiment.Status.CONCLUDED}
        return TemplateResponse(request, "admin/ai_commerce_recommendations/experiment_results.html", context)

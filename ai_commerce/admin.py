"""Admin of the core app: the event log, model versions and training runs (read-mostly; they are written by code)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Interaction, ModelVersion, TrainingRun


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by ai_commerce itself: staff look, they do not type them in."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "kind", "product", "user", "session_key", "quantity", "source")
    list_filter = ("kind", "source", ("occurred_at", admin.DateFieldListFilter))
    search_fields = ("event_id", "session_key", "order_ref")
    date_hierarchy = "occurred_at"
    list_select_related = ("product", "user")
    raw_id_fields = ("product", "user")


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kind", "status", "is_active", "created_at", "activated_at", "note")
    list_filter = ("kind", "status", "is_active")
    search_fields = ("note",)


@admin.register(TrainingRun)
class TrainingRunAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kind", "status", "progress_display", "triggered_by", "created_at", "duration")
    list_filter = ("kind", "status", "triggered_by")
    list_select_related = ("model_version",)
    readonly_fields = ("log", "error")

    @admin.display(description=_("progress"))
    def progress_display(self, run):
        return f"{run.progress}% {run.message}".strip()

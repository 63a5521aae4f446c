"""``ReadOnlyAdmin``: the admin of rows that ai_commerce writes itself (events, versions, serving rows)."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by ai_commerce itself: staff look, they do not type them in."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

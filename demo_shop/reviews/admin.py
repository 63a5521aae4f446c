from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Review


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("product", "author", "rating", "title", "status", "created_at")
    list_filter = ("status", "rating")
    list_select_related = ("product", "author")
    search_fields = ("title", "body", "product__name", "author__username")
    date_hierarchy = "created_at"
    raw_id_fields = ("product", "author")
    actions = ("publish", "hide")

    def _set_status(self, request, queryset, status):
        # Save one by one (an admin page holds at most a few hundred) so that signal receivers such as
        # ai_commerce's see the moderation change.
        count = 0
        for review in queryset.exclude(status=status):
            review.status = status
            review.save(update_fields=["status"])
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d review marked %(status)s.", "%(count)d reviews marked %(status)s.", count)
            % {"count": count, "status": Review.Status(status).label.lower()},
        )

    @admin.action(description=_("Publish the selected reviews"))
    def publish(self, request, queryset):
        self._set_status(request, queryset, Review.Status.PUBLISHED)

    @admin.action(description=_("Hide the selected reviews"))
    def hide(self, request, queryset):
        self._set_status(request, queryset, Review.Status.HIDDEN)

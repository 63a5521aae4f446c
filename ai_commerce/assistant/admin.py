"""The assistant in the admin: FAQ entries staff write, conversations (read-only transcripts), handovers with a
reply box (the shopper sees the reply in the chat box and gets it by e-mail), and the FAQ-gaps report."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ai_commerce.readonly_admin import ReadOnlyAdmin

from . import conversations, gaps
from .models import Conversation, FaqEntry, FaqGap, Handover, Message

GAPS_SHOWN = 500


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = ("title", "topic", "sensitive", "is_published", "updated_at")
    list_filter = ("topic", "sensitive", "is_published")
    search_fields = ("title", "answer", "examples")


class MessageInline(admin.TabularInline):
    model = Message
    fields = ("created_at", "role", "text", "outcome", "intent", "confidence", "sources", "helpful")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("pk", "user", "status", "handover_reason", "updated_at")
    list_filter = ("status",)
    readonly_fields = ("user", "session_key", "email", "status", "handover_reason", "handed_over_at", "created_at",
                       "updated_at")
    inlines = [MessageInline]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


class HandoverForm(forms.ModelForm):
    reply = forms.CharField(label=_("Reply to the shopper"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=_("Shown in the shopper's chat box, and e-mailed when the conversation has "
                                        "an address."))

    class Meta:
        model = Handover
        fields = ()


@admin.register(Handover)
class HandoverAdmin(ConversationAdmin):
    form = HandoverForm
    list_display = ("pk", "user", "status", "handover_reason", "handed_over_at")
    list_filter = ("status", "handover_reason")
    fields = ("reply", "user", "email", "status", "handover_reason", "handed_over_at")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(handed_over_at__isnull=False).order_by("-handed_over_at")

    def save_model(self, request, obj, form, change):
        text = form.cleaned_data.get("reply", "").strip()
        if text:
            conversations.staff_reply(obj, text, request.user)
            self.message_user(request, _("Your reply was sent to the shopper."))


@admin.register(FaqGap)
class FaqGapAdmin(ReadOnlyAdmin):
    list_display = ("question", "outcome", "helpful", "intent", "confidence", "created_at")
    list_filter = ("outcome", "helpful")
    search_fields = ("question",)

    def get_queryset(self, request):
        return conversations.gaps().filter(pk__in=super().get_queryset(request).values("pk"))

    def changelist_view(self, request, extra_context=None):
        questions = list(conversations.gaps().order_by("-created_at").values_list("question", flat=True)[:GAPS_SHOWN])
        extra = {"gap_groups": gaps.group([q for q in questions if q])[:20]}
        return super().changelist_view(request, {**(extra_context or {}), **extra})

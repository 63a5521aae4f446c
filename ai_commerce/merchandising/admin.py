"""Merchandising in the admin: the rules (with a preview of a rule's effect before it is saved) and their audit log.

Saving or deleting a rule writes a ``RuleChange`` (who, when, each changed field's old and new value). The change
form's "Preview" button posts the form, unsaved, to ``preview/``, which shows side by side the list a surface serves
with the saved rules and with this rule as the form has it, for a chosen shopper (or an anonymous visitor).
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ai_commerce import arrangement
from ai_commerce.adapter import get_adapter
from ai_commerce.readonly_admin import ReadOnlyAdmin

from . import rules
from .models import SURFACES, Rule, RuleChange

PREVIEW_K = 10


class RuleForm(forms.ModelForm):
    preview_surface = forms.ChoiceField(label=_("preview on"), required=False,
                                        choices=[(s, s) for s in SURFACES])
    preview_query = forms.CharField(label=_("preview query"), required=False, max_length=200)
    preview_category = forms.CharField(label=_("preview category"), required=False, max_length=200)
    preview_product = forms.CharField(label=_("preview product (id)"), required=False, max_length=40,
                                      help_text=_("The product page of “similar” and “bought together”."))
    preview_shopper = forms.IntegerField(label=_("preview shopper (user id)"), required=False,
                                         help_text=_("Empty: an anonymous visitor without history."))

    class Meta:
        model = Rule
        fields = ("name", "action", "enabled", "priority", "starts_at", "ends_at", "note", "surfaces", "query",
                  "query_match", "category", "arm", "product", "position", "factor", "stock_level", "field", "cap",
                  "trade_off", "if_category", "if_price_min", "if_price_max", "if_stock_below", "if_new_days",
                  "if_score_below", "if_flagged", "if_cover_below")


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str | list):
        return value
    return str(value)


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    form = RuleForm
    list_display = ("name", "action", "enabled", "priority", "where", "starts_at", "ends_at", "arm", "updated_by",
                    "updated_at")
    list_filter = ("action", "enabled")
    search_fields = ("name", "query", "category", "note")
    raw_id_fields = ("product",)
    readonly_fields = ("updated_by", "updated_at")
    change_form_template = "admin/ai_commerce_merchandising/rule/change_form.html"
    fieldsets = (
        (None, {"fields": ("name", "action", "enabled", "priority", "starts_at", "ends_at", "note")}),
        (_("Where"), {"fields": ("surfaces", "query", "query_match", "category", "arm")}),
        (_("What"), {"fields": ("product", "position", "factor", "stock_level", "field", "cap", "trade_off")}),
        (_("Only products that"), {"fields": ("if_category", "if_price_min", "if_price_max", "if_stock_below",
                                             "if_new_days", "if_score_below", "if_flagged", "if_cover_below")}),
        (_("Preview (not saved)"), {"fields": ("preview_surface", "preview_query", "preview_category",
                                               "preview_product", "preview_shopper")}),
        (_("Audit"), {"fields": ("updated_by", "updated_at")}),
    )

    @admin.display(description=_("where"))
    def where(self, rule):
        parts = [", ".join(rule.surfaces) if rule.surfaces else str(_("everywhere"))]
        if rule.query:
            parts.append(f"{rule.get_query_match_display()} “{rule.query}”")
        if rule.category:
            parts.append(f"in {rule.category}")
        return "; ".join(parts)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("updated_by")

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        fields = [name for name in (form.changed_data if change else form.cleaned_data)
                  if not name.startswith("preview_")]
        changes = {name: [_plain(form.initial.get(name)) if change else None, _plain(form.cleaned_data.get(name))]
                   for name in fields}
        changes = {name: pair for name, pair in changes.items() if pair[0] != pair[1]}
        if change and not changes:
            return
        RuleChange.objects.create(
            rule=obj, rule_name=obj.name, changed_by=request.user,
            action=RuleChange.Action.CHANGED if change else RuleChange.Action.CREATED, changes=changes)

    def delete_model(self, request, obj):
        RuleChange.objects.create(rule=None, rule_name=obj.name, changed_by=request.user,
                                  action=RuleChange.Action.DELETED)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def get_urls(self):
        view = self.admin_site.admin_view(self.preview_view)
        return [path("preview/", view, name="ai_commerce_merchandising_rule_preview"), *super().get_urls()]

    def preview_view(self, request):
        """Show the list of the chosen surface with the saved rules and with the posted rule, side by side."""
        if request.method != "POST" or not self.has_view_permission(request):
            raise PermissionDenied
        pk = request.POST.get("rule_pk") or None
        instance = Rule.objects.filter(pk=pk).first() if pk else None
        form = RuleForm(request.POST, instance=instance)
        context = {**self.admin_site.each_context(request), "title": _("Preview of a rule"), "form": form,
                   "opts": self.model._meta}
        if form.is_valid():
            context.update(preview(form.save(commit=False), form.cleaned_data))
        return TemplateResponse(request, "admin/ai_commerce_merchandising/preview.html", context)


def _spec(rule):
    row = {name: getattr(rule, name) for name in rules._FIELDS if name != "pk"}
    return rules.Spec.of({"pk": rule.pk or 0, **row})


def preview(rule, options, now=None):
    """{"before": [Shown], "after": [Shown], ...}: what ``options``' surface serves with the saved rules, and with
    ``rule`` (unsaved, enabled) in place of its saved self; "problem" says why there is no list."""
    now = now or timezone.now()
    surface = options.get("preview_surface") or "recommended"
    user = None
    if options.get("preview_shopper"):
        user = get_user_model()._default_manager.filter(pk=options["preview_shopper"]).first()
    product = None
    if options.get("preview_product"):
        adapter = get_adapter()
        product = adapter.products().filter(pk=options["preview_product"]).first()
    saved = [spec for spec in rules.enabled_rules()[1] if spec.pk != rule.pk]
    ask = {"user": user, "query": options.get("preview_query") or "", "category": options.get("preview_category") or "",
           "product": product, "k": PREVIEW_K}
    with rules.previewing(saved):
        before = arrangement.ranked(surface, **ask)
    with rules.previewing([*saved, _spec(rule)]):
        after = arrangement.ranked(surface, **ask)
    out = {"surface": surface, "shopper": user, "product": product, "query": ask["query"],
           "category": ask["category"]}
    if before is None:
        out["problem"] = _("No installed capability serves “%(surface)s” (similar and bought together need a "
                           "product).") % {"surface": surface}
        return out
    before_ids = [item.product_id for item in before]
    out["rows"] = [(b, a, a is not None and (a.product_id not in before_ids or before_ids.index(a.product_id) != i))
                   for i, (b, a) in enumerate(_zip_longest(before, after))]
    out["before"], out["after"] = before, after
    return out


def _zip_longest(left, right):
    n = max(len(left), len(right))
    return [(left[i] if i < len(left) else None, right[i] if i < len(right) else None) for i in range(n)]


@admin.register(RuleChange)
class RuleChangeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "rule_name", "action", "changed_by", "changes")
    list_filter = ("action",)
    search_fields = ("rule_name",)
    list_select_related = ("changed_by",)

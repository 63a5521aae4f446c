"""Staff-only DRF endpoints of merchandising.

- ``/ai/api/merchandising/rules/``: list, create, read, update and delete rules (400 with field errors: a pin
  without a product, a boost of 1 or less, a bury outside 0-1, an end before the start, an unknown surface).

Callers must be staff and hold the model's Django permissions, as in the admin: ``view_rule`` to read, ``add_``,
``change_`` and ``delete_`` to write. Every write is audited (``RuleChange``), as in the admin.
"""

from rest_framework import viewsets

from ai_commerce.api import BoundedPage, JSONErrors
from ai_commerce.permissions import StaffModelPermissions

from .models import Rule, RuleChange
from .serializers import RuleSerializer

AUDITED = [f.name for f in Rule._meta.concrete_fields if f.name not in ("id", "created_at", "updated_at",
                                                                         "updated_by")]


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str | list):
        return value
    return str(getattr(value, "pk", value))


def _values(rule):
    return {name: _plain(getattr(rule, name)) for name in AUDITED}


class RuleViewSet(JSONErrors, viewsets.ModelViewSet):
    queryset = Rule.objects.all()
    serializer_class = RuleSerializer
    permission_classes = [StaffModelPermissions]
    pagination_class = BoundedPage

    def perform_create(self, serializer):
        rule = serializer.save(updated_by=self.request.user)
        RuleChange.objects.create(rule=rule, rule_name=rule.name, changed_by=self.request.user,
                                  action=RuleChange.Action.CREATED,
                                  changes={name: [None, value] for name, value in _values(rule).items()})

    def perform_update(self, serializer):
        before = _values(serializer.instance)
        rule = serializer.save(updated_by=self.request.user)
        after = _values(rule)
        changes = {name: [before[name], after[name]] for name in AUDITED if before[name] != after[name]}
        if changes:
            RuleChange.objects.create(rule=rule, rule_name=rule.name, changed_by=self.request.user,
                                      action=RuleChange.Action.CHANGED, changes=changes)

    def perform_destroy(self, instance):
        RuleChange.objects.create(rule=None, rule_name=instance.name, changed_by=self.request.user,
                                  action=RuleChange.Action.DELETED)
        instance.delete()

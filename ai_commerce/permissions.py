"""The permission of ai_commerce's staff endpoints: the admin's rules, through DRF."""

from rest_framework.permissions import DjangoModelPermissions


class StaffModelPermissions(DjangoModelPermissions):
    """Staff holding the model's Django permissions: view to read, add/change/delete to write, and change for the
    view's ``decisions`` (its extra actions that change state, such as approve or start)."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated and request.user.is_staff):
            return False
        if getattr(view, "action", None) in getattr(view, "decisions", ()):
            model = view.get_queryset().model
            return request.user.has_perm(f"{model._meta.app_label}.change_{model._meta.model_name}")
        return super().has_permission(request, view)

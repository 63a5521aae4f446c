"""A host shop with its own AdminSite, which registers the ai_commerce admins there (and nothing on admin.site)."""

from django.contrib import admin
from django.urls import include, path

from ai_commerce import admin as ai_admin
from ai_commerce.models import Dashboard, Interaction, ModelVersion, TrainingRun, Tuning

site = admin.AdminSite(name="shopadmin")
for model, model_admin in ((Dashboard, ai_admin.DashboardAdmin), (Interaction, ai_admin.InteractionAdmin),
                           (ModelVersion, ai_admin.ModelVersionAdmin), (TrainingRun, ai_admin.TrainingRunAdmin),
                           (Tuning, ai_admin.TuningAdmin)):
    site.register(model, model_admin)

urlpatterns = [path("shop-admin/", site.urls), path("ai/", include("ai_commerce.urls"))]

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.core.views import healthz

admin.site.site_header = "Delay Desk"
admin.site.site_title = "Delay Desk"
admin.site.index_title = "Records"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("desk/dashboard/", include("apps.desk.urls.dashboard")),
    # The agents' and managers' workspace; the Django admin is for raw record editing only.
    path("desk/", include("apps.desk.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("apps.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("apps.portal.urls")),
]

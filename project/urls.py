from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from eldercare.core import health
from eldercare.dashboards import views as dashboard_views

admin.site.site_header = _("Home and Community Basic Elderly Care Service Improvement Action")
admin.site.site_title = _("eldercare")
admin.site.index_title = _("Project administration")

urlpatterns = [
    # Answered by eldercare.core.health.HealthCheckMiddleware first; named here for reverse() and the docs.
    path("health/", health.health, name="health"),
    path("health/live/", health.liveness, name="health-live"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before the admin's own login: people land on their dashboard after logging in.
    path("admin/login/", dashboard_views.admin_login),
    path("admin/", admin.site.urls),
    path("api/", include("eldercare.api.urls")),
    path("dashboards/", include("eldercare.dashboards.urls")),
    path("exports/", include("eldercare.exports.urls")),
    path("provider/", include("eldercare.providers.urls")),
    path("m/", include("eldercare.mobile.urls")),
    path("applications/", include("eldercare.applications.urls")),
    path("confirm/", include("eldercare.confirmations.urls")),
    path("imports/", include("eldercare.imports.urls")),
    path("", RedirectView.as_view(pattern_name="dashboards:landing", permanent=False)),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

admin.site.site_header = _("Home and Community Basic Elderly Care Service Improvement Action")
admin.site.site_title = _("eldercare")
admin.site.index_title = _("Project administration")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("eldercare.api.urls")),
    path("dashboards/", include("eldercare.dashboards.urls")),
    path("exports/", include("eldercare.exports.urls")),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

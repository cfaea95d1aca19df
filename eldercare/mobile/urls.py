from django.urls import path

from . import apis, views

app_name = "mobile"
urlpatterns = [
    path("", views.app, name="app"),
    path("login/", views.login, name="login"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    # Served from /m/ so that its scope is /m/ without a Service-Worker-Allowed header.
    path("sw.js", views.service_worker, name="service-worker"),
    path("api/today/", apis.TodayView.as_view(), name="today"),
]

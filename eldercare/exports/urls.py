from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("", views.export_index, name="index"),
    path("verify/", views.verify, name="verify"),
    path("<int:pk>/", views.ExportDetailView.as_view(), name="detail"),
    path("<int:pk>/status/", views.ExportStatusView.as_view(), name="status"),
    path("<int:pk>/download/", views.ExportDownloadView.as_view(), name="download"),
]

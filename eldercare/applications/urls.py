from django.urls import path

from . import views

app_name = "applications"
urlpatterns = [
    path("", views.page, name="page"),
    path("<int:pk>/", views.detail, name="detail"),
]

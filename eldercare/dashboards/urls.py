from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("national/", views.national, name="national"),
    # A province is not a pilot area: its own kwarg, checked against the user's scope (404 outside it).
    path("provinces/<str:province_code>/", views.province, name="province"),
    path("areas/<str:area_code>/", views.area, name="area"),
]

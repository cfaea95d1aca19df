from django.urls import include, path

from project.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("imports/", include("eldercare.imports.urls")), *project_urlpatterns]

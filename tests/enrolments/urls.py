"""The enrolments route on its own, until `eldercare.api.urls` registers it (it waits for the security
world to hold enrolments and for the catalogue to translate its summaries)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from eldercare.recipients.apis import EnrolmentViewSet

router = DefaultRouter()
router.register("enrolments", EnrolmentViewSet, basename="enrolment")

urlpatterns = [path("api/v1/", include(router.urls))]

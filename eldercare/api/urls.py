"""The REST API: `/api/v1/` resources, the OpenAPI schema and its offline Swagger UI and ReDoc pages."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from eldercare.applications.apis import ApplicationViewSet
from eldercare.areas.apis import PilotAreaViewSet
from eldercare.beds.apis import BedPhotoViewSet, FamilyCareBedViewSet
from eldercare.providers.apis import CaregiverViewSet, ProviderViewSet
from eldercare.recipients.apis import AssessmentViewSet, EnrolmentViewSet, RecipientViewSet
from eldercare.rollups.apis import AreaProgressViewSet, NationalProgressView
from eldercare.visits.apis import VisitExceptionViewSet, VisitViewSet
from eldercare.visits.models import PhotoKind
from eldercare.visits.photo_apis import VisitPhotoViewSet

from .views import TokenRevokeAllView, TokenRevokeView, TokenView, not_found

app_name = "api"

router = DefaultRouter()
router.register("areas", PilotAreaViewSet, basename="area")
router.register("recipients", RecipientViewSet, basename="recipient")
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("enrolments", EnrolmentViewSet, basename="enrolment")
router.register("providers", ProviderViewSet, basename="provider")
router.register("caregivers", CaregiverViewSet, basename="caregiver")
router.register("beds", FamilyCareBedViewSet, basename="bed")
router.register("bed-photos", BedPhotoViewSet, basename="bed-photo")
router.register("visits", VisitViewSet, basename="visit")
router.register("exceptions", VisitExceptionViewSet, basename="exception")
router.register("progress/areas", AreaProgressViewSet, basename="area-progress")
router.register("applications", ApplicationViewSet, basename="application")

urlpatterns = [
    path("v1/auth/token/", TokenView.as_view(), name="token"),
    path("v1/auth/token/revoke/", TokenRevokeView.as_view(), name="token-revoke"),
    path("v1/auth/token/revoke-all/", TokenRevokeAllView.as_view(), name="token-revoke-all"),
    path("v1/progress/national/", NationalProgressView.as_view(), name="national-progress"),
    # A visit's photos, nested under the visit (before the router, which would take the address first);
    # one route per kind, so the only variable part of an address is the visit (`pk`).
    re_path(
        r"^v1/visits/(?P<pk>[0-9]{1,18})/photos/$",
        VisitPhotoViewSet.as_view({"get": "list", "post": "create"}),
        name="visit-photo-list",
    ),
    *[
        route
        for kind in PhotoKind.values
        for route in (
            re_path(
                rf"^v1/visits/(?P<pk>[0-9]{{1,18}})/photos/{kind}/$",
                VisitPhotoViewSet.as_view({"get": "retrieve"}),
                {"kind": kind},
                name=f"visit-photo-{kind}",
            ),
            re_path(
                rf"^v1/visits/(?P<pk>[0-9]{{1,18}})/photos/{kind}/image/$",
                VisitPhotoViewSet.as_view({"get": "image"}),
                {"kind": kind},
                name=f"visit-photo-{kind}-image",
            ),
        )
    ],
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    # Last: an address that names no operation (a malformed id, an unknown resource) answers the API's
    # JSON 404, as the schema declares. Only with the final slash, so /api/v1/visits still redirects.
    re_path(r"^[\s\S]*/$", not_found, name="not-found"),
]

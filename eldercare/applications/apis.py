"""Applications (申请) through the API: read in scope, filled in by the township, moved by one POST per step.

Every write calls `applications.services`. A step the user's role may not take answers 403, a step
the application's state does not allow answers 409, bad data 400; an application outside the
user's scope is absent (404), whatever the method.
"""

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.response import Response

from eldercare.accounts.scoping import can_write
from eldercare.api.base import ScopedQuerysetMixin, named_step_action
from eldercare.api.filters import IdFilter

from . import services
from .models import Application, ApplicationKind, ApplicationState, ApplicationStep, StepAction
from .serializers import (
    ApplicationCreateSerializer,
    ApplicationSerializer,
    ApplicationUpdateSerializer,
    AssignSerializer,
    CountyReviewSerializer,
    NoInputSerializer,
    ReopenSerializer,
    ReviewSerializer,
)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = _("The application's state does not allow this.")


CONFLICT = OpenApiResponse(
    response={"$ref": "#/components/schemas/Error"},
    description=_(
        "The application's state does not allow this step (a submitted application cannot be changed, a "
        "review cannot be made twice); the message names the state. Nothing was saved."
    ),
)


def run(call):
    """Call a service, answering its role refusals with 403 and its state refusals with 409."""
    try:
        return call()
    except services.ApplicationRoleError as error:
        raise PermissionDenied(str(error.message)) from None
    except services.ApplicationStateError as error:
        raise Conflict(str(error.message)) from None


class ApplicationPermission(permissions.BasePermission):
    """Signed in; filling in needs a role that writes applications (the township). Every other write is
    looked up in scope first (404 outside it) and then decided by the service (403 or 409)."""

    message = _("Your role may not change these records.")

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if getattr(view, "action", None) == "create":
            return can_write(request.user, model=Application)
        return True


class ApplicationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ApplicationKind.choices)
    state = django_filters.ChoiceFilter(choices=ApplicationState.choices)
    township = IdFilter(field_name="township_id", label=_("Township id"))
    township_code = django_filters.CharFilter(field_name="township__code", label=_("Township code (9 digits)"))
    area = IdFilter(field_name="area_id", label=_("Pilot area id"))
    recipient = IdFilter(field_name="recipient_id", label=_("Recipient id"))

    class Meta:
        model = Application
        fields = ["kind", "state", "township", "township_code", "area", "recipient"]


STEP_DESCRIPTION = _(
    "One step of the application's workflow: 暂存 draft → 提交 submitted → 街道初审 street review (pass or fail) → "
    "区县审核 county review (pass or fail; for a family care bed the county names the assessment-and-design and "
    "the acceptance organisations, for home-visit service the provider) → 执行分派 the provider assigns "
    "caregivers (home-visit service). A failed review can be reopened (退回修改), changed and submitted again. "
    "A step your role does not take is a 403, a step the state does not allow a 409. The answer is the "
    "application with its whole trail."
)


def _step(name: str, serializer_class, summary):
    name = str(name)

    def move(self, request, pk=None, **kwargs):
        application = self.get_object()
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        run(lambda: services.application_transition(application, name, request.user, **serializer.validated_data))
        return self._answer(application, status.HTTP_200_OK)

    return named_step_action(
        name,
        move,
        serializer_class=serializer_class,
        doc=f"The application's `{name}` step, through the state machine.",
        responses={200: ApplicationSerializer, 409: CONFLICT},
        summary=summary,
        description=STEP_DESCRIPTION,
    )


@extend_schema_view(
    list=extend_schema(
        summary=_("List applications (申请)"),
        description=_(
            "Applications for home-visit service or a family care bed in your scope: a street official sees "
            "their township's, a district official their area's, provider staff those assigned to their "
            "provider. Each comes with its trail of steps."
        ),
    ),
    retrieve=extend_schema(
        summary=_("Get an application (申请)"),
        description=_("One application in your scope with its whole trail: who did what, when, and why."),
    ),
)
class ApplicationViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Application.objects.all()
    serializer_class = ApplicationSerializer
    permission_classes = [ApplicationPermission]
    filterset_class = ApplicationFilter
    ordering_fields = ["id", "created_at", "submitted_at", "state"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def base_queryset(self):
        return Application.objects.select_related("township", "area__region", "area__batch").prefetch_related(
            Prefetch("steps", queryset=ApplicationStep.objects.order_by("at", "id")), "caregivers"
        )

    def _answer(self, application: Application, code: int) -> Response:
        fresh = self.base_queryset().get(pk=application.pk)
        return Response(ApplicationSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        request=ApplicationCreateSerializer,
        responses={201: ApplicationSerializer},
        summary=_("Fill in an application (填报)"),
        description=_(
            "The township fills in an application for an older person of the township, already registered as "
            "a recipient with their township: kept as a draft (暂存), or submitted at once with `submit: true`. "
            "The pilot area is the person's household area unless another batch's area of the same county is "
            "named. One application per person, kind and area."
        ),
    )
    def create(self, request, *args, **kwargs):
        serializer = ApplicationCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        application = run(lambda: services.application_create(user=request.user, **serializer.validated_data))
        return self._answer(application, status.HTTP_201_CREATED)

    @extend_schema(
        request=ApplicationUpdateSerializer,
        responses={200: ApplicationSerializer, 409: CONFLICT},
        summary=_("Change a draft application (修改)"),
        description=_(
            "Changes the note or the pilot area of an application still in draft (暂存); once submitted it "
            "changes only through its steps (a 409 says so)."
        ),
    )
    def partial_update(self, request, *args, **kwargs):
        application = self.get_object()
        serializer = ApplicationUpdateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        run(
            lambda: services.application_update(application=application, user=request.user, **serializer.validated_data)
        )
        return self._answer(application, status.HTTP_200_OK)

    submit = _step(StepAction.SUBMIT, NoInputSerializer, _("Submit an application (提交)"))
    street_review = _step(StepAction.STREET_REVIEW, ReviewSerializer, _("Record the street review (街道初审)"))
    county_review = _step(StepAction.COUNTY_REVIEW, CountyReviewSerializer, _("Record the county review (区县审核)"))
    assign = _step(StepAction.ASSIGN, AssignSerializer, _("Assign caregivers (执行分派)"))
    reopen = _step(StepAction.REOPEN, ReopenSerializer, _("Reopen a failed application for changes (退回修改)"))

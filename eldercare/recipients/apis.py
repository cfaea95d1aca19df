"""Recipients (masked ID, eligibility today, progress) and their capability assessments."""

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.response import Response

from eldercare.accounts.models import Role
from eldercare.accounts.scoping import scope_of, scope_queryset
from eldercare.api.base import ScopedQuerysetMixin, WritableScopedViewSet, write_in_scope
from eldercare.api.filters import IdFilter
from eldercare.rollups.selectors import current_progress_of, progress_rows_prefetch

from .enrolments import enrolment_create
from .models import CapabilityAssessment, Enrolment, Recipient
from .serializers import (
    AssessmentSerializer,
    EnrolmentSerializer,
    EnrolmentWriteSerializer,
    RecipientSerializer,
    RecipientUpdateSerializer,
    RecipientWriteSerializer,
)
from .services import assessment_record, recipient_create, recipient_update


class RecipientFilter(django_filters.FilterSet):
    area = IdFilter(field_name="area_id", label=_("Pilot area id"))
    area_code = django_filters.CharFilter(field_name="area__region__code", label=_("Area code (6 digits)"))
    provider = IdFilter(field_name="provider_id", label=_("Provider id"))
    economic_category = django_filters.ChoiceFilter(choices=Recipient._meta.get_field("economic_category").choices)
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("Part of the name"))
    at_risk = django_filters.BooleanFilter(
        field_name="current_at_risk", label=_("At risk of not reaching 30 visits in the cycle")
    )

    class Meta:
        model = Recipient
        fields = ["area", "area_code", "provider", "economic_category", "name", "at_risk"]


@extend_schema_view(
    list=extend_schema(
        summary=_("List recipients"),
        description=_(
            "Recipients (服务对象) in your scope. The resident ID number is always masked here "
            "(`masked_resident_id`); each recipient comes with eligibility today and progress toward one "
            "person-time (30 counted visits in the cycle)."
        ),
    ),
    retrieve=extend_schema(
        summary=_("Get a recipient"),
        description=_(
            "One recipient in your scope, with the masked resident ID number, eligibility today and progress."
        ),
    ),
    create=extend_schema(
        request=RecipientWriteSerializer,
        responses={201: RecipientSerializer},
        summary=_("Register a recipient"),
        description=_(
            "Registers an older person with the full 18-character resident ID number: its checksum is checked, "
            "and birth date and sex follow from it; the number cannot be changed through the API afterwards. "
            "The recipient must fall within your scope."
        ),
    ),
    partial_update=extend_schema(
        request=RecipientUpdateSerializer,
        responses={200: RecipientSerializer},
        summary=_("Change a recipient"),
        description=_(
            "Changes the fields sent (the resident ID number excepted). A recipient who has been served cannot "
            "move to another area. Every change is kept in the record's history and the audit log."
        ),
    ),
)
class RecipientViewSet(WritableScopedViewSet):
    queryset = Recipient.objects.all()
    serializer_class = RecipientSerializer
    filterset_class = RecipientFilter
    # `counted_visits`: those of the person's latest cycle (an annotation).
    ordering_fields = ["id", "name", "created_at", "counted_visits"]
    ordering = ["area_id", "name", "id"]

    def base_queryset(self):
        return (
            Recipient.objects.select_related("area__batch", "area__region")
            .prefetch_related(
                Prefetch("assessments", queryset=CapabilityAssessment.objects.order_by("assessed_on")),
                progress_rows_prefetch(),
            )
            .annotate(
                current_at_risk=current_progress_of("at_risk"),
                counted_visits=current_progress_of("counted_visits"),
            )
        )

    def get_serializer_class(self):
        if self.action == "create":
            return RecipientWriteSerializer
        if self.action == "partial_update":
            return RecipientUpdateSerializer
        return RecipientSerializer

    def _answer(self, recipient: Recipient, code: int) -> Response:
        fresh = self.base_queryset().get(pk=recipient.pk)
        return Response(RecipientSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return self._answer(serializer.instance, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return self._answer(serializer.instance, status.HTTP_200_OK)

    def perform_create(self, serializer):
        fields = dict(serializer.validated_data)
        serializer.instance = write_in_scope(
            self.request.user, lambda: recipient_create(acting_user=self.request.user, **fields)
        )

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        serializer.instance = write_in_scope(
            self.request.user,
            lambda: recipient_update(recipient=serializer.instance, acting_user=self.request.user, **changes),
        )


class AssessmentFilter(django_filters.FilterSet):
    recipient = IdFilter(field_name="recipient_id", label=_("Recipient id"))
    level = django_filters.ChoiceFilter(choices=CapabilityAssessment._meta.get_field("level").choices)
    assessed_from = django_filters.DateFilter(
        field_name="assessed_on", lookup_expr="gte", label=_("Assessed on or after (YYYY-MM-DD)")
    )
    assessed_to = django_filters.DateFilter(
        field_name="assessed_on", lookup_expr="lte", label=_("Assessed on or before (YYYY-MM-DD)")
    )

    class Meta:
        model = CapabilityAssessment
        fields = ["recipient", "level", "assessed_from", "assessed_to"]


@extend_schema_view(
    list=extend_schema(
        summary=_("List capability assessments"),
        description=_(
            "Capability assessments (老年人能力评估, GB/T 42195-2022) of the recipients in your scope. A new "
            "assessment replaces the previous one from its date on."
        ),
    ),
    retrieve=extend_schema(summary=_("Get an assessment"), description=_("One capability assessment in your scope.")),
    create=extend_schema(
        summary=_("Record an assessment"),
        description=_(
            "Records an assessment: level, date and assessor. Visits from its date on are checked again for "
            "eligibility, and the figures follow. One assessment a recipient a day."
        ),
    ),
)
class AssessmentViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Capability assessments; a new one is recorded through `assessment_record`, which re-checks visits."""

    queryset = CapabilityAssessment.objects.all()
    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter
    ordering_fields = ["id", "assessed_on", "created_at"]
    ordering = ["recipient_id", "-assessed_on", "id"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = write_in_scope(
            self.request.user,
            lambda: assessment_record(
                recipient=data["recipient"],
                assessed_on=data["assessed_on"],
                level=data["level"],
                assessor_name=data["assessor_name"],
                assessor_provider=data.get("assessor_provider"),
                note=data.get("note", ""),
                acting_user=self.request.user,
            ),
        )


class EnrolmentFilter(django_filters.FilterSet):
    recipient = IdFilter(field_name="recipient_id", label=_("Recipient id"))
    area = IdFilter(field_name="area_id", label=_("Pilot area id"))
    batch_year = django_filters.NumberFilter(field_name="area__batch__year", label=_("Batch year"))

    class Meta:
        model = Enrolment
        fields = ["recipient", "area", "batch_year"]


# Who may enrol someone directly, besides an approved application: the district's own officials.
ENROLLING_ROLES = frozenset({Role.DISTRICT_OFFICIAL})


class EnrolPermission(permissions.BasePermission):
    """Signed in to read (the queryset scopes); a district official to enrol (the fields scope)."""

    message = _("Only the district's officials enrol recipients directly.")

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or scope_of(request.user).role in ENROLLING_ROLES


@extend_schema_view(
    list=extend_schema(
        summary=_("List enrolments"),
        description=_(
            "Enrolments (纳入) of the recipients in your scope: one per person and batch's pilot area, with the "
            "area's project cycle. A visit counts toward the enrolment whose cycle contains its day."
        ),
    ),
    retrieve=extend_schema(summary=_("Get an enrolment"), description=_("One enrolment in your scope.")),
    create=extend_schema(
        request=EnrolmentWriteSerializer,
        responses={201: EnrolmentSerializer},
        summary=_("Enrol a recipient"),
        description=_(
            "District officials enrol a recipient of their area in a batch's pilot area (an approved home-visit "
            "application does so by itself). The person's visits are checked again at once."
        ),
    ),
)
class EnrolmentViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Enrolment.objects.all()
    serializer_class = EnrolmentSerializer
    filterset_class = EnrolmentFilter
    ordering_fields = ["id", "enrolled_on", "created_at"]
    ordering = ["recipient_id", "enrolled_on", "id"]
    permission_classes = [EnrolPermission]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset.none()
        # An enrolment is seen by whoever sees its person (the recipients' scope, one place for it).
        recipients = scope_queryset(self.request.user, Recipient.objects.all())
        return Enrolment.objects.filter(recipient__in=recipients.values("pk")).select_related("area__batch")

    def get_serializer_class(self):
        return EnrolmentWriteSerializer if self.action == "create" else EnrolmentSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        enrolment = enrolment_create(
            recipient=data["recipient"],
            area=data["area"],
            enrolled_on=data.get("enrolled_on"),
            acting_user=request.user,
        )
        fresh = self.get_queryset().get(pk=enrolment.pk)
        return Response(EnrolmentSerializer(fresh, context=self.get_serializer_context()).data, status.HTTP_201_CREATED)

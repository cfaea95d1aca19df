"""Recipients (masked ID, eligibility today, progress) and their capability assessments."""

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from eldercare.api.base import ScopedQuerysetMixin, WritableScopedViewSet, write_in_scope
from eldercare.api.filters import IdFilter

from .models import CapabilityAssessment, Recipient
from .serializers import (
    AssessmentSerializer,
    RecipientSerializer,
    RecipientUpdateSerializer,
    RecipientWriteSerializer,
)
from .services import assessment_record, recipient_create, recipient_update


class RecipientFilter(django_filters.FilterSet):
    area = IdFilter(field_name="area_id", label="pilot area id")
    area_code = django_filters.CharFilter(field_name="area__region__code", label="area code (6 digits)")
    provider = IdFilter(field_name="provider_id", label="provider id")
    economic_category = django_filters.ChoiceFilter(choices=Recipient._meta.get_field("economic_category").choices)
    name = django_filters.CharFilter(lookup_expr="icontains")
    at_risk = django_filters.BooleanFilter(field_name="progress__at_risk")

    class Meta:
        model = Recipient
        fields = ["area", "area_code", "provider", "economic_category", "name", "at_risk"]


@extend_schema_view(
    create=extend_schema(request=RecipientWriteSerializer, responses={201: RecipientSerializer}),
    partial_update=extend_schema(request=RecipientUpdateSerializer, responses={200: RecipientSerializer}),
)
class RecipientViewSet(WritableScopedViewSet):
    queryset = Recipient.objects.all()
    serializer_class = RecipientSerializer
    filterset_class = RecipientFilter
    ordering_fields = ["id", "name", "created_at", "progress__counted_visits"]
    ordering = ["area_id", "name", "id"]

    def base_queryset(self):
        return Recipient.objects.select_related("area__batch", "area__region", "progress").prefetch_related(
            Prefetch("assessments", queryset=CapabilityAssessment.objects.order_by("assessed_on"))
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
    recipient = IdFilter(field_name="recipient_id", label="recipient id")
    level = django_filters.ChoiceFilter(choices=CapabilityAssessment._meta.get_field("level").choices)
    assessed_from = django_filters.DateFilter(field_name="assessed_on", lookup_expr="gte")
    assessed_to = django_filters.DateFilter(field_name="assessed_on", lookup_expr="lte")

    class Meta:
        model = CapabilityAssessment
        fields = ["recipient", "level", "assessed_from", "assessed_to"]


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

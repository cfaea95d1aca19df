"""Visits (log, change, void, bulk upload) and their exceptions (list, resolve), through visits.services."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from eldercare.api.base import ScopedActionPermission, ScopedQuerysetMixin, write_in_scope
from eldercare.api.filters import IdFilter

from . import services
from .bulk import ITEM_STATUSES, MAX_BULK_VISITS, visits_bulk_ingest
from .models import ExceptionStatus, ExceptionType, Severity, Visit, VisitException, VisitStatus
from .serializers import (
    BulkResultSerializer,
    BulkVisitsSerializer,
    ExceptionResolveResultSerializer,
    ExceptionResolveSerializer,
    VisitDetailSerializer,
    VisitExceptionSerializer,
    VisitSerializer,
    VisitUpdateSerializer,
    VisitVoidSerializer,
    VisitWriteSerializer,
)
from .verification import count_decision


class VisitFilter(django_filters.FilterSet):
    recipient = IdFilter(field_name="recipient_id", label="recipient id")
    caregiver = IdFilter(field_name="caregiver_id", label="caregiver id")
    provider = IdFilter(field_name="provider_id", label="provider id")
    area = IdFilter(field_name="area_id", label="pilot area id")
    category = django_filters.CharFilter(field_name="category__code", label="service category code")
    status = django_filters.ChoiceFilter(choices=VisitStatus.choices)
    is_countable = django_filters.BooleanFilter()
    client_uuid = django_filters.UUIDFilter()
    service_date_from = django_filters.DateFilter(field_name="service_date", lookup_expr="gte")
    service_date_to = django_filters.DateFilter(field_name="service_date", lookup_expr="lte")

    class Meta:
        model = Visit
        fields = [
            "recipient",
            "caregiver",
            "provider",
            "area",
            "category",
            "status",
            "is_countable",
            "client_uuid",
            "service_date_from",
            "service_date_to",
        ]


@extend_schema_view(
    retrieve=extend_schema(responses=VisitDetailSerializer),
    create=extend_schema(request=VisitWriteSerializer, responses={201: VisitDetailSerializer}),
    partial_update=extend_schema(request=VisitUpdateSerializer, responses={200: VisitDetailSerializer}),
)
class VisitViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Home-care visits. Lists leave out the counting decision (it costs queries per visit); details carry it."""

    queryset = Visit.objects.all()
    serializer_class = VisitSerializer
    filterset_class = VisitFilter
    ordering_fields = ["id", "started_at", "service_date", "created_at"]
    ordering = ["-started_at", "-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def base_queryset(self):
        return Visit.objects.select_related("category").prefetch_related("items")

    def get_serializer_class(self):
        return {
            "create": VisitWriteSerializer,
            "partial_update": VisitUpdateSerializer,
            "void": VisitVoidSerializer,
            "bulk": BulkVisitsSerializer,
            "retrieve": VisitDetailSerializer,
        }.get(self.action, VisitSerializer)

    def _answer(self, visit: Visit, code: int) -> Response:
        fresh = self.base_queryset().get(pk=visit.pk)
        fresh.count_result = count_decision(fresh)
        return Response(VisitDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._answer(self.get_object(), status.HTTP_200_OK)

    def create(self, request, *args, **kwargs):
        """Log one visit through `visit_create`; impossible input is refused, suspicious input flagged."""
        serializer = VisitWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields, items = serializer.service_fields()
        visit = write_in_scope(
            request.user, lambda: services.visit_create(acting_user=request.user, items=items, **fields)
        )
        return self._answer(visit, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        """Change a visit that is not locked, through `visit_update`; the reason is kept in its history."""
        visit = self.get_object()
        serializer = VisitUpdateSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields, items = serializer.service_fields()
        reason = serializer.validated_data.get("reason", "")
        updated = write_in_scope(
            request.user,
            lambda: services.visit_update(visit=visit, acting_user=request.user, reason=reason, items=items, **fields),
        )
        return self._answer(updated, status.HTTP_200_OK)

    @extend_schema(request=VisitVoidSerializer, responses={200: VisitDetailSerializer})
    @action(detail=True, methods=["post"], permission_classes=[ScopedActionPermission])
    def void(self, request, pk=None):
        """Void a visit with a reason (allowed even when locked); the row stays as evidence."""
        visit = self.get_object()
        serializer = VisitVoidSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        voided = services.visit_void(visit=visit, reason=serializer.validated_data["reason"], acting_user=request.user)
        return self._answer(voided, status.HTTP_200_OK)

    @extend_schema(
        request=BulkVisitsSerializer,
        responses={200: BulkResultSerializer},
        description=(
            f"Up to {MAX_BULK_VISITS} visits, each with its client UUID. Every item is answered: created, "
            "already_present (same UUID, same content), conflict (same UUID, different content) or rejected "
            "(with field errors). Resending a batch changes nothing; one bad item never rejects the others."
        ),
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        visits = request.data.get("visits") if isinstance(request.data, dict) else None
        if not isinstance(visits, list) or not visits:
            raise ValidationError({"visits": [_("Send a list of visits.")]})
        results = visits_bulk_ingest(items=visits, acting_user=request.user)
        summary = dict.fromkeys(ITEM_STATUSES, 0)
        for result in results:
            summary[result.status] += 1
        return Response({"summary": summary, "results": [result.as_dict() for result in results]})


class ExceptionFilter(django_filters.FilterSet):
    visit = IdFilter(field_name="visit_id", label="visit id")
    area = IdFilter(field_name="area_id", label="pilot area id")
    provider = IdFilter(field_name="provider_id", label="provider id")
    status = django_filters.ChoiceFilter(choices=ExceptionStatus.choices)
    type = django_filters.ChoiceFilter(choices=ExceptionType.choices)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)

    class Meta:
        model = VisitException
        fields = ["visit", "area", "provider", "status", "type", "severity"]


class VisitExceptionViewSet(
    ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The review queue: visits flagged for review, resolved with a reason code by those who review (officials)."""

    queryset = VisitException.objects.all()
    serializer_class = VisitExceptionSerializer
    filterset_class = ExceptionFilter
    ordering_fields = ["id", "created_at", "type", "status"]
    ordering = ["created_at", "id"]

    def base_queryset(self):
        return VisitException.objects.select_related("reason_code")

    @extend_schema(request=ExceptionResolveSerializer, responses={200: ExceptionResolveResultSerializer})
    @action(detail=True, methods=["post"], serializer_class=ExceptionResolveSerializer)
    def resolve(self, request, pk=None):
        """Accept (the visit may then count) or void, with a reason code, through `exceptions_resolve`."""
        exception = self.get_object()
        serializer = ExceptionResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        outcome = services.exceptions_resolve(
            exception_ids=[exception.pk],
            decision=data["decision"],
            reason_code=data["reason_code"],
            note=data["note"],
            acting_user=request.user,
        )
        exception.refresh_from_db()
        return Response(
            {
                "resolved": outcome.resolved,
                "refused": outcome.refused,
                "exception": VisitExceptionSerializer(exception).data,
            }
        )

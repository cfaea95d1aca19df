"""Visits (log, change, void, bulk upload) and their exceptions (list, resolve), through visits.services."""

import django_filters
from django.utils.text import format_lazy
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
    recipient = IdFilter(field_name="recipient_id", label=_("Recipient id"))
    caregiver = IdFilter(field_name="caregiver_id", label=_("Caregiver id"))
    provider = IdFilter(field_name="provider_id", label=_("Provider id"))
    area = IdFilter(field_name="area_id", label=_("Pilot area id"))
    category = django_filters.CharFilter(field_name="category__code", label=_("Service category code"))
    status = django_filters.ChoiceFilter(choices=VisitStatus.choices)
    is_countable = django_filters.BooleanFilter(label=_("Passed the checks that let a visit count"))
    client_uuid = django_filters.UUIDFilter(label=_("The client UUID the app gave the visit"))
    service_date_from = django_filters.DateFilter(
        field_name="service_date", lookup_expr="gte", label=_("Service date on or after (YYYY-MM-DD)")
    )
    service_date_to = django_filters.DateFilter(
        field_name="service_date", lookup_expr="lte", label=_("Service date on or before (YYYY-MM-DD)")
    )

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
    list=extend_schema(
        summary=_("List visits"),
        description=_(
            "Home-care visits (居家养老上门服务) in your scope, latest first. A list leaves out whether each visit "
            "counts toward the recipient's 30: ask for one visit for that."
        ),
    ),
    retrieve=extend_schema(
        responses=VisitDetailSerializer,
        summary=_("Get a visit"),
        description=_(
            "One visit in your scope, with whether it counts toward the recipient's 30 visits (`counts`) and, "
            "when it does not, why (`count_reasons`)."
        ),
    ),
    create=extend_schema(
        request=VisitWriteSerializer,
        responses={201: VisitDetailSerializer},
        summary=_("Log a visit"),
        description=_(
            "Logs one visit with its six elements: service type, recipient, caregiver (and provider), date, "
            "check-in location, start and end time. Coordinates are WGS-84 unless `coordinate_system` says gcj02 "
            "(AMap, Tencent) or bd09 (Baidu): they are stored converted to WGS-84, beside what was sent and the "
            "accuracy the device reported. Impossible input is a 400 and stores nothing; suspicious "
            "input (too short, far from the home, entered late) is stored and flagged for review. The answer "
            "says whether the visit counts and why not. Send a `client_uuid` so that a resend is recognised."
        ),
    ),
    partial_update=extend_schema(
        request=VisitUpdateSerializer,
        responses={200: VisitDetailSerializer},
        summary=_("Change a visit"),
        description=_(
            "Changes the fields sent of a visit that is not locked (a visit locks at fee confirmation, or 95 "
            "days after it took place). Give a `reason`: it is kept in the visit's history and the audit log."
        ),
    ),
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
        fresh = self.base_queryset().prefetch_related("photos").get(pk=visit.pk)
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

    @extend_schema(
        request=VisitVoidSerializer,
        responses={200: VisitDetailSerializer},
        summary=_("Void a visit"),
        description=_(
            "Voids a visit with a reason, a locked one too. The visit stays as evidence and no longer counts."
        ),
    )
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
        summary=_("Upload visits in bulk"),
        description=format_lazy(
            _(
                "Up to {limit} visits, each with its client UUID. Every item is answered: created, "
                "already_present (same UUID, same content), conflict (same UUID, different content) or rejected "
                "(with field errors). Resending a batch changes nothing; one bad item never rejects the others."
            ),
            limit=MAX_BULK_VISITS,
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
    visit = IdFilter(field_name="visit_id", label=_("Visit id"))
    area = IdFilter(field_name="area_id", label=_("Pilot area id"))
    provider = IdFilter(field_name="provider_id", label=_("Provider id"))
    status = django_filters.ChoiceFilter(choices=ExceptionStatus.choices)
    type = django_filters.ChoiceFilter(choices=ExceptionType.choices)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)

    class Meta:
        model = VisitException
        fields = ["visit", "area", "provider", "status", "type", "severity"]


@extend_schema_view(
    list=extend_schema(
        summary=_("List exceptions"),
        description=_(
            "The review queue: visits flagged for review (a caregiver in two visits at once, too short or too "
            "long, far from the home or located too imprecisely, entered late, recipient not eligible, outside "
            "the cycle, a photo missing, not confirmed or disputed by the older person), with their status and "
            "severity. A blocking exception keeps its visit from counting until it is resolved."
        ),
    ),
    retrieve=extend_schema(summary=_("Get an exception"), description=_("One exception in your scope.")),
)
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

    @extend_schema(
        request=ExceptionResolveSerializer,
        responses={200: ExceptionResolveResultSerializer},
        summary=_("Resolve an exception"),
        description=_(
            "Those who review (officials) resolve an exception with a reason code: accept (the visit may then "
            "count) or void (the visit is voided). An exception that cannot be resolved so is listed under "
            "`refused`, with why."
        ),
    )
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

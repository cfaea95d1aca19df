"""Progress per area and national, current (AreaProgress, BatchProgress) or as of a day (AreaDailySnapshot).

As of a day, an area shows its latest snapshot on or before that day, and the nation the sum of
those snapshots over the batch's areas.
"""

import datetime as dt

from django.db.models import Count, Max, OuterRef, Subquery, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from eldercare.accounts.scoping import scope_filter, scope_of, scope_queryset
from eldercare.api.base import ScopedWritePermission
from eldercare.areas.apis import AREA_CODE_PATTERN, BATCH_PARAMETER
from eldercare.areas.models import Batch, PilotArea
from eldercare.areas.selectors import current_batch, newest_started

from .models import AreaDailySnapshot, AreaProgress, BatchProgress, ProgressFigures
from .serializers import AreaProgressSerializer, NationalProgressSerializer

AS_OF_PARAMETER = OpenApiParameter(
    "as_of", OpenApiTypes.DATE, description=_("Figures as they stood at the end of this day (YYYY-MM-DD).")
)


class ProgressQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False)
    batch = serializers.IntegerField(required=False, min_value=2021, max_value=9999)


def _query(request) -> dict:
    query = ProgressQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


def snapshots_as_of(areas, day: dt.date):
    """For each of these areas, its latest daily snapshot on or before `day` (one query)."""
    latest = AreaDailySnapshot.objects.filter(area=OuterRef("area"), day__lte=day).order_by("-day").values("pk")[:1]
    return AreaDailySnapshot.objects.filter(area__in=areas, day__lte=day, pk=Subquery(latest))


def _area_row(area: PilotArea, figures, *, as_of: dt.date | None) -> dict:
    return {
        "area_code": area.region.code,
        "area_name": str(area.region),
        "batch_year": area.batch.year,
        "as_of": as_of,
        "snapshot_day": getattr(figures, "day", None),
        "figures": figures,
    }


class AreaProgressViewSet(viewsets.ViewSet):
    """Each area's progress within the reader's scope (officials and auditors; providers see none)."""

    permission_classes = [ScopedWritePermission]
    lookup_field = "area_code"
    lookup_value_regex = AREA_CODE_PATTERN
    serializer_class = AreaProgressSerializer

    def _areas(self, batch_year: int | None):
        # Area totals are for those who may read AreaProgress (officials, auditors), over the areas they see.
        if scope_filter(scope_of(self.request.user), AreaProgress) is None:
            return PilotArea.objects.none()
        visible = scope_queryset(self.request.user, PilotArea.objects.all()).values("pk")
        areas = PilotArea.objects.filter(pk__in=visible).select_related("region", "batch")
        if batch_year:
            areas = areas.filter(batch__year=batch_year)
        return areas.order_by("batch__year", "region__code")

    def _rows(self, areas, as_of: dt.date | None) -> list[dict]:
        if as_of is None:
            figures = {row.area_id: row for row in AreaProgress.objects.filter(area__in=areas)}
        else:
            figures = {row.area_id: row for row in snapshots_as_of(areas, as_of)}
        return [_area_row(area, figures.get(area.pk), as_of=as_of) for area in areas]

    @extend_schema(
        parameters=[AS_OF_PARAMETER, BATCH_PARAMETER],
        responses=AreaProgressSerializer(many=True),
        summary=_("Progress of the pilot areas"),
        description=_(
            "Each pilot area's progress within your scope: person-times reached against the target, recipients "
            "in progress and at risk, beds accepted, satisfaction and funds. With `as_of`, the figures as they "
            "stood at the end of that day. For officials and auditors; providers get an empty list."
        ),
    )
    def list(self, request):
        query = _query(request)
        rows = self._rows(self._areas(query.get("batch")), query.get("as_of"))
        return Response(AreaProgressSerializer(rows, many=True).data)

    @extend_schema(
        parameters=[AS_OF_PARAMETER, BATCH_PARAMETER],
        responses=AreaProgressSerializer,
        summary=_("Progress of one pilot area"),
        description=_("One area's progress, by its 6-digit division code; `as_of` and `batch` as in the list."),
    )
    def retrieve(self, request, area_code=None):
        query = _query(request)
        found = list(self._areas(query.get("batch")).filter(region__code=area_code).order_by("-batch__year"))
        # A district in several batches: the one the work is in today (areas.selectors.newest_started).
        area = newest_started(found, timezone.localdate(), lambda area: area.cycle_start)
        if area is None:
            raise Http404
        return Response(AreaProgressSerializer(self._rows([area], query.get("as_of"))[0]).data)


class NationalProgressView(APIView):
    """National progress of a batch (the current one by default), for readers of the whole country."""

    permission_classes = [ScopedWritePermission]
    serializer_class = NationalProgressSerializer

    @extend_schema(
        parameters=[AS_OF_PARAMETER, BATCH_PARAMETER],
        responses=NationalProgressSerializer,
        summary=_("National progress"),
        description=_(
            "The national totals of a batch (the current one unless `batch` names a year: the newest whose "
            "cycles have started), for those who read the "
            "whole country; anyone else gets 404. With `as_of`, as they stood at the end of that day."
        ),
    )
    def get(self, request):
        query = _query(request)
        if query.get("batch"):
            batch = Batch.objects.filter(year=query["batch"]).first()
        else:
            batch = current_batch(timezone.localdate())
        # National figures are readable by those who may read BatchProgress: the whole country's readers.
        if batch is None or scope_filter(scope_of(request.user), BatchProgress) is None:
            raise Http404
        as_of = query.get("as_of")
        if as_of is None:
            figures = BatchProgress.objects.filter(batch=batch).first()
            areas = AreaProgress.objects.filter(area__batch=batch).count()
        else:
            snapshots = snapshots_as_of(PilotArea.objects.filter(batch=batch), as_of)
            totals = snapshots.aggregate(
                areas=Count("pk"),
                latest=Max("computed_at"),
                **{name: Sum(name) for name in ProgressFigures.FIGURE_FIELDS},
            )
            areas = totals.pop("areas")
            latest = totals.pop("latest")
            figures = (
                BatchProgress(batch=batch, computed_at=latest, **{name: value or 0 for name, value in totals.items()})
                if areas
                else None
            )
        payload = {"batch_year": batch.year, "as_of": as_of, "areas": areas, "figures": figures}
        return Response(NationalProgressSerializer(payload).data)

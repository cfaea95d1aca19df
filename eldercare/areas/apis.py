"""Pilot areas, read-only, with their progress; one area is addressed by its 6-digit `area_code`."""

import django_filters
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from eldercare.api.base import ScopedQuerysetMixin

from .models import PilotArea
from .serializers import PilotAreaSerializer

AREA_CODE_PATTERN = r"[1-9][0-9]{5}"

BATCH_PARAMETER = OpenApiParameter(
    "batch", OpenApiTypes.INT, description=_("Batch year; by default the newest batch the area belongs to.")
)


class PilotAreaFilter(django_filters.FilterSet):
    batch = django_filters.NumberFilter(field_name="batch__year", label=_("Batch year"))
    province = django_filters.CharFilter(method="filter_province", label=_("Province code (6 digits)"))
    is_demo = django_filters.BooleanFilter(label=_("Demonstration areas only (true) or real ones only (false)"))

    class Meta:
        model = PilotArea
        fields = ["batch", "province", "is_demo"]

    def filter_province(self, queryset, name, value):
        return queryset.filter(region__code__startswith=value[:2]) if value[:2].isdigit() else queryset.none()


def area_by_code(queryset, area_code: str, batch_year) -> PilotArea:
    """The area of this region code in the given (or newest) batch, among the rows the caller may see."""
    rows = queryset.filter(region__code=area_code)
    if batch_year not in (None, ""):
        if not str(batch_year).isdigit():
            raise Http404
        rows = rows.filter(batch__year=int(batch_year))
    area = rows.order_by("-batch__year").first()
    if area is None:
        raise Http404
    return area


@extend_schema_view(
    list=extend_schema(
        summary=_("List pilot areas"),
        description=_(
            "The pilot areas (项目地区) you can see: their batch, cycle, targets and current progress. "
            "Filter by `batch` (year), `province` (6-digit code) or `is_demo`; demonstration areas are marked."
        ),
    ),
    retrieve=extend_schema(
        parameters=[BATCH_PARAMETER],
        summary=_("Get a pilot area"),
        description=_(
            "One pilot area by its 6-digit division code (e.g. 110114). An area can take part in several "
            "batches: the newest is answered unless `batch` names a year."
        ),
    ),
)
class PilotAreaViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = PilotArea.objects.all()
    serializer_class = PilotAreaSerializer
    filterset_class = PilotAreaFilter
    ordering_fields = ["id", "region__code", "batch__year", "cycle_start", "target_person_times"]
    ordering = ["batch__year", "region__code"]
    lookup_field = "area_code"
    lookup_value_regex = AREA_CODE_PATTERN

    def base_queryset(self):
        return PilotArea.objects.select_related("region", "batch", "progress")

    def get_object(self) -> PilotArea:
        return area_by_code(self.get_queryset(), self.kwargs["area_code"], self.request.query_params.get("batch"))

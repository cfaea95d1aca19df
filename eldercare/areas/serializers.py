from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from eldercare.accounts.scoping import scope_filter, scope_of
from eldercare.api.serializers import StrictModelSerializer
from eldercare.rollups.models import AreaProgress
from eldercare.rollups.serializers import ProgressFiguresSerializer

from .models import PilotArea


class PilotAreaSerializer(StrictModelSerializer):
    """A pilot area with its cycle, targets and current progress (null where the reader may not see it)."""

    area_code = serializers.CharField(source="region.code", read_only=True)
    name = serializers.CharField(source="region", read_only=True)
    province_code = serializers.CharField(source="region.province_code", read_only=True)
    batch_year = serializers.IntegerField(source="batch.year", read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = PilotArea
        fields = [
            "id",
            "area_code",
            "name",
            "province_code",
            "batch_year",
            "is_demo",
            "funds_arrived_on",
            "cycle_start",
            "cycle_end",
            "target_beds",
            "target_person_times",
            "target_satisfaction",
            "progress",
        ]
        read_only_fields = fields

    @extend_schema_field(ProgressFiguresSerializer(allow_null=True))
    def get_progress(self, area: PilotArea) -> dict | None:
        request = self.context.get("request")
        # Area totals are for officials and auditors; a provider sees the areas it serves, not their totals.
        if request is None or scope_filter(scope_of(request.user), AreaProgress) is None:
            return None
        try:
            progress = area.progress
        except AreaProgress.DoesNotExist:
            return None
        return ProgressFiguresSerializer(progress).data

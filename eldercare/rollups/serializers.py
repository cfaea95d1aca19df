"""Progress figures as the API shows them: an area's or a batch's, now or as of a day."""

from rest_framework import serializers

from eldercare.api.serializers import StrictModelSerializer, StrictSerializer

from .models import AreaProgress, ProgressFigures


class ProgressFiguresSerializer(StrictModelSerializer):
    """The figures of `ProgressFigures` (area, batch or snapshot) and the two rates derived from them."""

    satisfaction_rate = serializers.DecimalField(max_digits=5, decimal_places=1, read_only=True, allow_null=True)
    funds_execution_rate = serializers.DecimalField(max_digits=7, decimal_places=1, read_only=True, allow_null=True)

    class Meta:
        model = AreaProgress  # any ProgressFigures works: the serializer only reads the shared fields
        fields = [*ProgressFigures.FIGURE_FIELDS, "satisfaction_rate", "funds_execution_rate", "computed_at"]
        read_only_fields = fields


class AreaProgressSerializer(StrictSerializer):
    """One area's progress, current or from the latest daily snapshot on or before `as_of`."""

    area_code = serializers.CharField(read_only=True)
    area_name = serializers.CharField(read_only=True)
    batch_year = serializers.IntegerField(read_only=True)
    as_of = serializers.DateField(read_only=True, allow_null=True)
    snapshot_day = serializers.DateField(read_only=True, allow_null=True)
    figures = ProgressFiguresSerializer(read_only=True, allow_null=True)


class NationalProgressSerializer(StrictSerializer):
    batch_year = serializers.IntegerField(read_only=True)
    as_of = serializers.DateField(read_only=True, allow_null=True)
    areas = serializers.IntegerField(read_only=True, help_text="Areas whose figures are summed.")
    figures = ProgressFiguresSerializer(read_only=True, allow_null=True)

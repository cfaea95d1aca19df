from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from eldercare.api.base import ScopedPrimaryKeyRelatedField
from eldercare.api.serializers import ReadSafeDateTimeField, StrictModelSerializer, StrictSerializer
from eldercare.areas.models import PilotArea, Township
from eldercare.core.masking import mask_resident_id
from eldercare.providers.models import Provider
from eldercare.rollups.selectors import current_progress, progress_rows
from eldercare.visits.serializers import CoordinateSystemField

from .models import CapabilityAssessment, Enrolment, Recipient
from .selectors import Purpose, assessment_in_force, eligibility_from


class EligibilitySerializer(StrictSerializer):
    day = serializers.DateField()
    eligible = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    capability_level = serializers.CharField(allow_null=True)
    assessed_on = serializers.DateField(allow_null=True)


class RecipientProgressSerializer(StrictSerializer):
    area = serializers.IntegerField(allow_null=True, help_text="The pilot area (of one batch) these figures are in.")
    batch_year = serializers.IntegerField(allow_null=True)
    counted_visits = serializers.IntegerField()
    visits_per_person_time = serializers.IntegerField(help_text="Visits that make one person-time (1人次).")
    person_time_reached = serializers.BooleanField()
    reached_on = serializers.DateField(allow_null=True)
    last_counted_on = serializers.DateField(allow_null=True)
    at_risk = serializers.BooleanField()
    computed_at = ReadSafeDateTimeField(allow_null=True)


class RecipientSerializer(StrictModelSerializer):
    """A recipient with a masked ID, eligibility today and progress toward one person-time.

    The queryset must prefetch `assessments` (ordered by date) and select `area__batch` and
    `progress`, so a page of recipients costs a fixed number of queries.
    """

    masked_resident_id = serializers.SerializerMethodField()
    area_code = serializers.CharField(source="area.region.code", read_only=True)
    eligibility_today = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    progress_by_batch = serializers.SerializerMethodField()

    class Meta:
        model = Recipient
        fields = [
            "id",
            "masked_resident_id",
            "name",
            "sex",
            "birth_date",
            "area",
            "area_code",
            "township",
            "economic_category",
            "provider",
            "address",
            "home_latitude",
            "home_longitude",
            "is_demo",
            "eligibility_today",
            "progress",
            "progress_by_batch",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_masked_resident_id(self, recipient: Recipient) -> str:
        # The API never returns the whole number; revealing it is the admin's logged action.
        return mask_resident_id(recipient.resident_id)

    @extend_schema_field(EligibilitySerializer)
    def get_eligibility_today(self, recipient: Recipient) -> dict:
        today = self.context.get("today") or timezone.localdate()
        assessments = sorted(recipient.assessments.all(), key=lambda a: a.assessed_on)  # prefetched
        eligibility = eligibility_from(
            recipient, assessment_in_force(assessments, today), today, purpose=Purpose.HOME_VISIT
        )
        return {
            "day": today,
            "eligible": eligibility.eligible,
            "reasons": [str(reason) for reason in eligibility.reasons],
            "capability_level": eligibility.assessment.level if eligibility.assessment else None,
            "assessed_on": eligibility.assessment.assessed_on if eligibility.assessment else None,
        }

    @extend_schema_field(RecipientProgressSerializer)
    def get_progress(self, recipient: Recipient) -> dict:
        """The person's progress in their latest cycle; `progress_by_batch` lists every batch they are served in."""
        return _progress_figures(current_progress(recipient), default_area=recipient.area)

    @extend_schema_field(RecipientProgressSerializer(many=True))
    def get_progress_by_batch(self, recipient: Recipient) -> list[dict]:
        rows = progress_rows(recipient)
        return [_progress_figures(row, default_area=row.area) for row in rows]


def _progress_figures(progress, *, default_area) -> dict:
    area = progress.area if progress else default_area
    needed = area.batch.visits_per_person_time
    counted = progress.counted_visits if progress else 0
    return {
        "area": area.pk,
        "batch_year": area.batch.year,
        "counted_visits": counted,
        "visits_per_person_time": needed,
        "person_time_reached": counted >= needed,
        "reached_on": progress.reached_on if progress else None,
        "last_counted_on": progress.last_counted_on if progress else None,
        "at_risk": progress.at_risk if progress else False,
        "computed_at": progress.computed_at if progress else None,
    }


class RecipientWriteSerializer(StrictModelSerializer):
    """What a writer sends; sex and birth date follow from the resident ID, which cannot change later."""

    area = ScopedPrimaryKeyRelatedField(queryset=PilotArea.objects.all())
    provider = ScopedPrimaryKeyRelatedField(queryset=Provider.objects.all(), allow_null=True, required=False)
    township = ScopedPrimaryKeyRelatedField(queryset=Township.objects.all(), allow_null=True, required=False)
    # The home coordinates sent are read in this system and kept in WGS-84 only (recipients.services).
    coordinate_system = CoordinateSystemField(write_only=True)

    class Meta:
        model = Recipient
        fields = [
            "resident_id",
            "name",
            "area",
            "township",
            "economic_category",
            "provider",
            "address",
            "home_latitude",
            "home_longitude",
            "coordinate_system",
            "phone",
            "guardian_name",
            "guardian_phone",
        ]
        validators = []


class RecipientUpdateSerializer(RecipientWriteSerializer):
    class Meta(RecipientWriteSerializer.Meta):
        fields = [name for name in RecipientWriteSerializer.Meta.fields if name != "resident_id"]


class AssessmentSerializer(StrictModelSerializer):
    recipient = ScopedPrimaryKeyRelatedField(queryset=Recipient.objects.all())
    assessor_provider = ScopedPrimaryKeyRelatedField(queryset=Provider.objects.all(), allow_null=True, required=False)

    class Meta:
        model = CapabilityAssessment
        fields = ["id", "recipient", "assessed_on", "level", "assessor_name", "assessor_provider", "note", "created_at"]
        read_only_fields = ["id", "created_at"]
        validators = []  # one assessment a recipient a day: full_clean says so in the service


class EnrolmentSerializer(StrictModelSerializer):
    """An enrolment (纳入) of one person in one batch's pilot area, with that area's cycle."""

    batch_year = serializers.IntegerField(source="area.batch.year", read_only=True)
    cycle_start = serializers.DateField(source="area.cycle_start", read_only=True)
    cycle_end = serializers.DateField(source="area.cycle_end", read_only=True)

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "recipient",
            "area",
            "batch_year",
            "cycle_start",
            "cycle_end",
            "application",
            "enrolled_on",
            "ended_on",
            "end_reason",
            "created_at",
        ]
        read_only_fields = fields


class EnrolmentWriteSerializer(StrictSerializer):
    """Enrol a person in a pilot area directly (an approved application enrols by itself)."""

    recipient = ScopedPrimaryKeyRelatedField(queryset=Recipient.objects.all())
    area = ScopedPrimaryKeyRelatedField(queryset=PilotArea.objects.all())
    enrolled_on = serializers.DateField(required=False)

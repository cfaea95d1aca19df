from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from eldercare.api.base import ScopedPrimaryKeyRelatedField
from eldercare.api.serializers import NoteField, StrictModelSerializer, StrictSerializer
from eldercare.areas.models import PilotArea
from eldercare.providers.models import Caregiver, Provider
from eldercare.recipients.models import Recipient

from .models import Application, ApplicationKind, ApplicationStep


class ApplicationStepSerializer(StrictModelSerializer):
    class Meta:
        model = ApplicationStep
        fields = [
            "id",
            "action",
            "from_state",
            "to_state",
            "passed",
            "reviewer_name",
            "reviewer_title",
            "opinion",
            "actor_name",
            "at",
            "details",
        ]
        read_only_fields = fields


class ApplicationSerializer(StrictModelSerializer):
    """An application with its trail; the queryset selects township and area__region and prefetches
    `steps` and `caregivers`."""

    township_code = serializers.CharField(source="township.code", read_only=True)
    area_code = serializers.CharField(source="area.region.code", read_only=True)
    batch_year = serializers.IntegerField(source="area.batch.year", read_only=True)
    dispatch = serializers.SerializerMethodField()
    steps = ApplicationStepSerializer(many=True, read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "kind",
            "recipient",
            "township",
            "township_code",
            "area",
            "area_code",
            "batch_year",
            "state",
            "note",
            "submitted_at",
            "street_reviewer_name",
            "street_reviewer_title",
            "street_opinion",
            "street_reviewed_at",
            "county_reviewer_name",
            "county_reviewer_title",
            "county_opinion",
            "county_reviewed_at",
            "provider",
            "caregivers",
            "assigned_at",
            "dispatch",
            "design_provider",
            "acceptance_provider",
            "steps",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_dispatch(self, application: Application) -> str:
        return application.dispatch_label


class ApplicationCreateSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=ApplicationKind.choices)
    recipient = ScopedPrimaryKeyRelatedField(queryset=Recipient.objects.all())
    area = ScopedPrimaryKeyRelatedField(queryset=PilotArea.objects.all(), required=False)
    note = NoteField(required=False, allow_blank=True)
    submit = serializers.BooleanField(
        required=False, default=False, help_text="Submit at once (提交) instead of keeping a draft (暂存)."
    )


class ApplicationUpdateSerializer(StrictSerializer):
    area = ScopedPrimaryKeyRelatedField(queryset=PilotArea.objects.all(), required=False)
    note = NoteField(required=False, allow_blank=True)


class NoInputSerializer(StrictSerializer):
    """A move that needs nothing but the application (submit)."""


class ReviewSerializer(StrictSerializer):
    passed = serializers.BooleanField(help_text="true: passed (通过); false: failed (不通过).")
    reviewer_name = serializers.CharField(max_length=64)
    reviewer_title = serializers.CharField(max_length=64)
    opinion = NoteField(required=False, allow_blank=True, help_text="Required when the review fails.")


def _provider_field(**kwargs):
    # Among the providers the reviewer sees: those serving the area.
    return ScopedPrimaryKeyRelatedField(queryset=Provider.objects.all(), required=False, **kwargs)


class CountyReviewSerializer(ReviewSerializer):
    provider = _provider_field(help_text="Home-visit service: the provider that will serve the person.")
    design_provider = _provider_field(help_text="Family care bed: the assessment and design organisation.")
    acceptance_provider = _provider_field(help_text="Family care bed: the acceptance organisation.")


class AssignSerializer(StrictSerializer):
    caregivers = serializers.ListField(
        child=ScopedPrimaryKeyRelatedField(queryset=Caregiver.objects.all()), min_length=1, max_length=50
    )


class ReopenSerializer(StrictSerializer):
    opinion = NoteField(required=False, allow_blank=True)

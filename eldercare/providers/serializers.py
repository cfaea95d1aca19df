from eldercare.accounts.masking import may_see_full_numbers
from eldercare.api.base import ScopedPrimaryKeyRelatedField
from eldercare.api.serializers import StrictModelSerializer
from eldercare.areas.models import PilotArea
from eldercare.core.masking import mask_phone

from .models import Caregiver, Provider


class ProviderSerializer(StrictModelSerializer):
    areas = ScopedPrimaryKeyRelatedField(
        queryset=PilotArea.objects.all(), many=True, required=False, help_text="Pilot areas served (ids)."
    )

    class Meta:
        model = Provider
        fields = [
            "id",
            "name",
            "credit_code",
            "areas",
            "offers_home_visits",
            "does_bed_retrofit",
            "does_assessment_design",
            "does_acceptance",
            "contact_name",
            "contact_phone",
            "is_demo",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "is_demo", "created_at", "updated_at"]


class CaregiverSerializer(StrictModelSerializer):
    provider = ScopedPrimaryKeyRelatedField(queryset=Provider.objects.all())

    class Meta:
        model = Caregiver
        fields = ["id", "provider", "name", "phone", "employee_number", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators = []  # the unique (provider, employee number) rule is checked by full_clean, in one message

    def to_representation(self, caregiver):
        # As in the admin: the phone number whole for the caregiver's own provider and administrators only.
        data = super().to_representation(caregiver)
        request = self.context.get("request")
        if data.get("phone") and (request is None or not may_see_full_numbers(request.user, caregiver)):
            data["phone"] = mask_phone(data["phone"])
        return data

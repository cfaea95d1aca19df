from rest_framework import serializers

from eldercare.api.base import ScopedPrimaryKeyRelatedField
from eldercare.api.serializers import NoteField, StrictModelSerializer, StrictSerializer
from eldercare.core.input_policy import CHANGE_REASON_MAX_LENGTH
from eldercare.providers.models import Provider
from eldercare.recipients.models import Recipient

from .models import FamilyCareBed, RetrofitCatalogItem, RetrofitItem, WithdrawalReason


class RetrofitItemSerializer(StrictModelSerializer):
    catalog_item = serializers.SlugRelatedField(
        slug_field="code", queryset=RetrofitCatalogItem.objects.filter(is_active=True), help_text="Catalogue code."
    )
    kind = serializers.CharField(source="catalog_item.kind", read_only=True)
    name = serializers.CharField(source="catalog_item.name", read_only=True)

    class Meta:
        model = RetrofitItem
        fields = [
            "id",
            "catalog_item",
            "kind",
            "name",
            "room",
            "quantity",
            "cost",
            "serial_number",
            "installed_on",
            "warranty_months",
            "created_at",
        ]
        read_only_fields = ["id", "kind", "name", "created_at"]


class FamilyCareBedSerializer(StrictModelSerializer):
    area_code = serializers.CharField(source="area.region.code", read_only=True)
    # Read-only model fields lose `allow_blank`; say it, so the schema admits the empty value.
    withdrawal_reason = serializers.ChoiceField(choices=WithdrawalReason.choices, allow_blank=True, read_only=True)
    items = RetrofitItemSerializer(many=True, read_only=True)

    class Meta:
        model = FamilyCareBed
        fields = [
            "id",
            "recipient",
            "area",
            "area_code",
            "status",
            "applied_on",
            "design_provider",
            "plan_signed_on",
            "retrofit_provider",
            "retrofit_started_on",
            "retrofit_finished_on",
            "acceptance_provider",
            "accepted_on",
            "service_started_on",
            "platform_account",
            "withdrawn_on",
            "withdrawal_reason",
            "withdrawal_note",
            "items",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class BedApplySerializer(StrictSerializer):
    recipient = ScopedPrimaryKeyRelatedField(queryset=Recipient.objects.all())
    applied_on = serializers.DateField()


def _provider_field():
    return ScopedPrimaryKeyRelatedField(queryset=Provider.objects.all())


class BedPlanSerializer(StrictSerializer):
    design_provider = _provider_field()
    plan_signed_on = serializers.DateField()


class BedStartRetrofitSerializer(StrictSerializer):
    retrofit_provider = _provider_field()
    started_on = serializers.DateField()


class BedFinishRetrofitSerializer(StrictSerializer):
    finished_on = serializers.DateField()


class BedAcceptSerializer(StrictSerializer):
    acceptance_provider = _provider_field()
    accepted_on = serializers.DateField()


class BedRejectAcceptanceSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=CHANGE_REASON_MAX_LENGTH, help_text="Kept in the bed's history.")


class BedStartServiceSerializer(StrictSerializer):
    started_on = serializers.DateField()
    platform_account = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class BedWithdrawSerializer(StrictSerializer):
    reason = serializers.ChoiceField(choices=WithdrawalReason.choices)
    withdrawn_on = serializers.DateField()
    note = NoteField(required=False, allow_blank=True, default="")

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from eldercare.api.base import ScopedPrimaryKeyRelatedField
from eldercare.api.serializers import NoteField, StrictModelSerializer, StrictSerializer
from eldercare.core.input_policy import CHANGE_REASON_MAX_LENGTH
from eldercare.providers.models import Provider
from eldercare.recipients.models import Recipient

from .models import BedPhoto, FamilyCareBed, RetrofitCatalogItem, RetrofitItem, WithdrawalReason


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


def bed_photo_path(photo_id: int) -> str:
    """The API address of an evidence photo's image (served after the scope check)."""
    return reverse("api:bed-photo-image", kwargs={"pk": photo_id})


class BedPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=_("Where the image is served (signed-in, in scope)."))
    sha256 = serializers.CharField(
        allow_null=True, read_only=True, help_text=_("Null for an old photo whose file was missing from storage.")
    )
    exif_latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True, read_only=True)
    exif_longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True, read_only=True)

    class Meta:
        model = BedPhoto
        fields = [
            "id",
            "stage",
            "item",
            "taken_on",
            "sha256",
            "content_type",
            "width",
            "height",
            "size_bytes",
            "url",
            "taken_at",
            "exif_latitude",
            "exif_longitude",
            "created_at",
        ]
        read_only_fields = fields

    def get_url(self, photo: BedPhoto) -> str:
        path = bed_photo_path(photo.pk)
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class BedPhotoUploadSerializer(StrictSerializer):
    stage = serializers.ChoiceField(choices=BedPhoto.Stage.choices, help_text=_("`before`, `after` or `acceptance`."))
    image = serializers.FileField(
        help_text=_("The photo: JPEG, PNG or WebP, at most 10 MB (checked by its content, not its name)."),
        allow_empty_file=True,
        use_url=False,
    )
    item = serializers.IntegerField(
        required=False, min_value=1, help_text=_("The id of the bed's retrofit item the photo shows, if any.")
    )
    taken_on = serializers.DateField(required=False, help_text=_("The day it was taken; else from its EXIF."))


class FamilyCareBedSerializer(StrictModelSerializer):
    area_code = serializers.CharField(source="area.region.code", read_only=True)
    # Read-only model fields lose `allow_blank`; say it, so the schema admits the empty value.
    withdrawal_reason = serializers.ChoiceField(choices=WithdrawalReason.choices, allow_blank=True, read_only=True)
    items = RetrofitItemSerializer(many=True, read_only=True)
    photos = BedPhotoSerializer(many=True, read_only=True)

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
            "photos",
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

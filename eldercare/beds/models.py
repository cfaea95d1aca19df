from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from eldercare.core.models import NoDeleteQuerySet, TimeStampedModel


class RetrofitKind(models.TextChoices):
    ACCESSIBILITY = "accessibility", _("Accessibility retrofit (适老化改造)")
    SMART = "smart", _("Smart retrofit (智能化改造)")


class RetrofitCatalogItem(models.Model):
    """An item that may be installed in a family care bed; the catalogue is data, loaded from fixtures."""

    code = models.SlugField(_("code"), max_length=48, unique=True)
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=RetrofitKind.choices)
    is_device = models.BooleanField(
        _("connected device"), default=False, help_text=_("Devices need a serial number and a warranty.")
    )
    reference_cost = models.DecimalField(_("reference cost (yuan)"), max_digits=10, decimal_places=2, default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("retrofit catalogue item")
        verbose_name_plural = _("retrofit catalogue")
        ordering = ["kind", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(reference_cost__gte=0), name="catalog_item_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class BedStatus(models.TextChoices):
    APPLIED = "applied", _("Applied (申请)")
    ASSESSED = "assessed", _("Assessed and planned (评估设计)")
    RETROFITTING = "retrofitting", _("Retrofitting (改造中)")
    AWAITING_ACCEPTANCE = "awaiting_acceptance", _("Awaiting acceptance (待验收)")
    ACCEPTED = "accepted", _("Accepted (验收合格)")
    IN_SERVICE = "in_service", _("In service (服务中)")
    WITHDRAWN = "withdrawn", _("Withdrawn (撤销)")


ACCEPTED_STATUSES = (BedStatus.ACCEPTED, BedStatus.IN_SERVICE)


class WithdrawalReason(models.TextChoices):
    DIED = "died", _("Died")
    MOVED = "moved", _("Moved away")
    DECLINED = "declined", _("Declined")
    INELIGIBLE = "ineligible", _("No longer eligible")
    OTHER = "other", _("Other")


class FamilyCareBed(TimeStampedModel):
    """A family care bed (家庭养老床位): a recipient's home turned into a care place."""

    recipient = models.ForeignKey(
        "recipients.Recipient", verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="beds"
    )
    area = models.ForeignKey(
        "areas.PilotArea", verbose_name=_("pilot area"), on_delete=models.PROTECT, related_name="beds"
    )
    status = models.CharField(_("status"), max_length=24, choices=BedStatus.choices, default=BedStatus.APPLIED)
    applied_on = models.DateField(_("applied on"))
    design_provider = models.ForeignKey(
        "providers.Provider",
        verbose_name=_("assessment and design organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="designed_beds",
    )
    plan_signed_on = models.DateField(
        _("one-home plan signed on"),
        null=True,
        blank=True,
        help_text=_("一户一案, signed by the older person."),
    )
    retrofit_provider = models.ForeignKey(
        "providers.Provider",
        verbose_name=_("retrofit organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="retrofitted_beds",
    )
    retrofit_started_on = models.DateField(_("retrofit started on"), null=True, blank=True)
    retrofit_finished_on = models.DateField(_("retrofit finished on"), null=True, blank=True)
    acceptance_provider = models.ForeignKey(
        "providers.Provider",
        verbose_name=_("acceptance organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accepted_beds",
    )
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    service_started_on = models.DateField(_("service started on"), null=True, blank=True)
    platform_account = models.CharField(_("monitoring platform account"), max_length=64, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawal_reason = models.CharField(
        _("withdrawal reason"), max_length=16, choices=WithdrawalReason.choices, blank=True
    )
    withdrawal_note = models.TextField(_("withdrawal note"), blank=True)

    objects = NoDeleteQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("family care bed")
        verbose_name_plural = _("family care beds")
        ordering = ["-applied_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient"], condition=~Q(status="withdrawn"), name="bed_one_active_per_recipient"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["accepted", "in_service"])
                | Q(accepted_on__isnull=False, acceptance_provider__isnull=False),
                name="bed_accepted_has_date_and_organisation",
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | (Q(withdrawn_on__isnull=False) & ~Q(withdrawal_reason="")),
                name="bed_withdrawn_has_date_and_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="withdrawn") | Q(withdrawn_on__isnull=True, withdrawal_reason=""),
                name="bed_only_withdrawn_has_withdrawal",
            ),
            models.CheckConstraint(
                condition=Q(accepted_on__isnull=True) | Q(accepted_on__gte=models.F("applied_on")),
                name="bed_accepted_after_applied",
            ),
        ]
        indexes = [models.Index(fields=["area", "status"], name="bed_area_status")]

    def __str__(self) -> str:
        return f"{self.recipient.name} · {self.get_status_display()}" if self.recipient_id else str(self.pk)

    def delete(self, *args, **kwargs):
        from eldercare.core.errors import DomainError

        raise DomainError(_("A family care bed is never deleted; withdraw it with a reason instead."))


class RetrofitItem(TimeStampedModel):
    """One item installed in a bed's home, with its cost and, for devices, serial number and warranty."""

    class Room(models.TextChoices):
        BEDROOM = "bedroom", _("Bedroom")
        BATHROOM = "bathroom", _("Bathroom")
        KITCHEN = "kitchen", _("Kitchen")
        LIVING_ROOM = "living_room", _("Living room")
        ENTRANCE = "entrance", _("Entrance and corridor")
        WHOLE_HOME = "whole_home", _("Whole home")

    bed = models.ForeignKey(
        FamilyCareBed, verbose_name=_("family care bed"), on_delete=models.PROTECT, related_name="items"
    )
    catalog_item = models.ForeignKey(
        RetrofitCatalogItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="installed"
    )
    room = models.CharField(_("room"), max_length=16, choices=Room.choices, default=Room.WHOLE_HOME)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    cost = models.DecimalField(_("cost (yuan)"), max_digits=10, decimal_places=2)
    serial_number = models.CharField(_("serial number"), max_length=64, blank=True)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    warranty_months = models.PositiveSmallIntegerField(_("warranty (months)"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("retrofit item")
        verbose_name_plural = _("retrofit items")
        ordering = ["bed", "catalog_item__kind", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(cost__gte=0), name="retrofit_item_cost_not_negative"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="retrofit_item_quantity_positive"),
            models.CheckConstraint(
                condition=Q(warranty_months__isnull=True) | Q(warranty_months__gte=12),
                name="retrofit_item_warranty_at_least_12_months",
            ),
        ]

    def __str__(self) -> str:
        return str(self.catalog_item)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        super().clean()
        if self.catalog_item_id and self.catalog_item.is_device:
            errors = {}
            if not self.serial_number:
                errors["serial_number"] = _("A smart device needs its serial number.")
            if self.warranty_months is None:
                errors["warranty_months"] = _("A smart device needs a warranty of at least 12 months.")
            if not self.installed_on:
                errors["installed_on"] = _("A smart device needs its install date.")
            if errors:
                raise ValidationError(errors)


class BedPhoto(TimeStampedModel):
    """Before and after photos, the evidence of a retrofit.

    Photos uploaded through `beds.services.bed_photo_add` are checked and cleaned like a visit's
    (eldercare.visits.photos) and carry their SHA-256, type, size and EXIF metadata. Photos stored
    before that were backfilled from storage (migration 0002): where the file was missing, those
    fields are null, meaning "not known", never a made-up value.
    """

    class Stage(models.TextChoices):
        BEFORE = "before", _("Before retrofit")
        AFTER = "after", _("After retrofit")
        ACCEPTANCE = "acceptance", _("Acceptance")

    bed = models.ForeignKey(
        FamilyCareBed, verbose_name=_("family care bed"), on_delete=models.PROTECT, related_name="photos"
    )
    item = models.ForeignKey(
        RetrofitItem,
        verbose_name=_("retrofit item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="photos",
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    image = models.FileField(_("photo"), upload_to="beds/%Y/%m/", max_length=200)
    taken_on = models.DateField(_("taken on"), null=True, blank=True)
    # Null: not known (an old photo whose file was missing when the hashes were backfilled).
    sha256 = models.CharField(_("SHA-256"), max_length=64, null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=32, blank=True)
    width = models.PositiveIntegerField(_("width (pixels)"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height (pixels)"), null=True, blank=True)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True)
    # From the file's EXIF, kept as metadata only.
    exif_latitude = models.DecimalField(_("EXIF latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    exif_longitude = models.DecimalField(_("EXIF longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    taken_at = models.DateTimeField(_("taken at (EXIF)"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("evidence photo")
        verbose_name_plural = _("evidence photos")
        ordering = ["bed_id", "created_at", "id"]
        indexes = [models.Index(fields=["bed", "sha256"], name="bed_photo_bed_sha256")]
        constraints = [
            models.CheckConstraint(
                condition=Q(sha256__isnull=True) | Q(sha256__regex=r"^[0-9a-f]{64}$"), name="bed_photo_sha256_hex"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} · {self.image.name}"

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from eldercare.core.models import TimeStampedModel
from eldercare.core.validators import normalize_resident_id, parse_resident_id, validate_resident_id


class EconomicCategory(models.TextChoices):
    """Economic difficulty (经济困难) categories; NONE makes a person ineligible."""

    EXTREMELY_POOR = "extremely_poor", _("Extremely poor, living at home (特困分散供养)")
    MINIMUM_ALLOWANCE = "minimum_allowance", _("Minimum living allowance (低保)")
    NEAR_MINIMUM = "near_minimum", _("Near minimum living allowance (低保边缘)")
    EXPENSE_HARDSHIP = "expense_hardship", _("Hardship from expenses (支出型困难)")
    NONE = "none", _("No economic difficulty")


class CapabilityLevel(models.TextChoices):
    """Levels of GB/T 42195-2022 (老年人能力评估规范)."""

    INTACT = "intact", _("Intact (能力完好)")
    MILD = "mild", _("Mildly disabled (轻度失能)")
    MODERATE = "moderate", _("Moderately disabled (中度失能)")
    SEVERE = "severe", _("Severely disabled (重度失能)")
    COMPLETE = "complete", _("Completely disabled (完全失能)")


MINIMUM_AGE = 60

# 失能 (disabled) = severe or complete; 部分失能 (partially disabled) = mild or moderate.
DISABLED_LEVELS = frozenset({CapabilityLevel.SEVERE, CapabilityLevel.COMPLETE})
PARTIALLY_DISABLED_LEVELS = frozenset({CapabilityLevel.MILD, CapabilityLevel.MODERATE})


class Recipient(TimeStampedModel):
    """An older person served by the programme (服务对象)."""

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    resident_id = models.CharField(
        _("resident ID number"), max_length=18, unique=True, validators=[validate_resident_id]
    )
    name = models.CharField(_("name"), max_length=64)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField(_("birth date"), editable=False)
    area = models.ForeignKey(
        "areas.PilotArea",
        verbose_name=_("household area"),
        on_delete=models.PROTECT,
        related_name="recipients",
    )
    # 街道/乡镇 of the household; empty for people registered before townships were kept.
    township = models.ForeignKey(
        "areas.Township",
        verbose_name=_("township"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recipients",
    )
    economic_category = models.CharField(_("economic difficulty"), max_length=24, choices=EconomicCategory.choices)
    provider = models.ForeignKey(
        "providers.Provider",
        verbose_name=_("home-visit provider"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recipients",
    )
    address = models.CharField(_("home address"), max_length=255)
    home_latitude = models.DecimalField(_("home latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    home_longitude = models.DecimalField(_("home longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    guardian_name = models.CharField(_("guardian or emergency contact"), max_length=64, blank=True)
    guardian_phone = models.CharField(_("guardian phone"), max_length=32, blank=True)
    is_demo = models.BooleanField(_("demonstration data"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["area", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(sex__in=["M", "F"]), name="recipient_sex_known"),
            models.CheckConstraint(
                condition=Q(resident_id__regex=r"^[0-9]{17}[0-9X]$"), name="recipient_resident_id_format"
            ),
            models.CheckConstraint(
                condition=Q(home_latitude__isnull=True) | Q(home_latitude__gte=-90, home_latitude__lte=90),
                name="recipient_home_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(home_longitude__isnull=True) | Q(home_longitude__gte=-180, home_longitude__lte=180),
                name="recipient_home_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.masked_resident_id}）"

    @property
    def masked_resident_id(self) -> str:
        number = self.resident_id or ""
        return f"{number[:6]}********{number[-4:]}" if len(number) == 18 else number

    def clean(self) -> None:
        """Derive birth date and sex from the ID number and check the person is 60 or older."""
        super().clean()
        if not self.resident_id:
            return
        self.resident_id = normalize_resident_id(self.resident_id)
        try:
            info = parse_resident_id(self.resident_id)
        except ValidationError as error:
            raise ValidationError({"resident_id": error.messages}) from None
        self.birth_date, self.sex = info.birth_date, info.sex
        today = timezone.localdate()
        if info.age_on(today) < MINIMUM_AGE:
            raise ValidationError(
                {
                    "resident_id": _(
                        "The person is %(age)d years old according to the ID number; recipients must be 60 or older."
                    )
                    % {"age": info.age_on(today)}
                }
            )


class CapabilityAssessment(TimeStampedModel):
    """A capability assessment (能力评估); a newer one replaces the older from its date on."""

    recipient = models.ForeignKey(
        Recipient, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="assessments"
    )
    assessed_on = models.DateField(_("assessed on"))
    level = models.CharField(_("capability level"), max_length=16, choices=CapabilityLevel.choices)
    assessor_name = models.CharField(_("assessor"), max_length=64)
    assessor_provider = models.ForeignKey(
        "providers.Provider",
        verbose_name=_("assessment organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("capability assessment")
        verbose_name_plural = _("capability assessments")
        ordering = ["recipient", "-assessed_on"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "assessed_on"], name="assessment_one_per_recipient_per_day"),
        ]
        indexes = [models.Index(fields=["recipient", "assessed_on"], name="assessment_recipient_day")]

    def __str__(self) -> str:
        return f"{self.assessed_on} · {self.get_level_display()}"


class ConfirmationCard(TimeStampedModel):
    """A printable card whose QR code opens the older person's confirmation page (/confirm/<token>/).

    The token is a signature over the card's random key (django.core.signing), so a forged or altered
    link is refused without a lookup; revoking the card (a new card, a lost one) makes its link answer 404.
    """

    recipient = models.ForeignKey(
        Recipient, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="confirmation_cards"
    )
    key = models.CharField(_("key"), max_length=43, unique=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("confirmation card")
        verbose_name_plural = _("confirmation cards")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient"], condition=Q(revoked_at__isnull=True), name="confirmation_card_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} · {self.created_at:%Y-%m-%d}" if self.created_at else str(self.recipient_id)


class Enrolment(TimeStampedModel):
    """An older person's enrolment (纳入) in one batch's pilot area, for that area's project cycle.

    One person (one recipient record, one ID number) can hold enrolments in several batches; a visit
    counts toward the enrolment whose area's cycle contains its day (`recipients.enrolments`).
    `Recipient.area` stays the household (current) area; the enrolments say where they are served.
    """

    recipient = models.ForeignKey(
        Recipient, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="enrolments"
    )
    area = models.ForeignKey(
        "areas.PilotArea",
        verbose_name=_("pilot area (batch)"),
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    # The approved home-visit application that enrolled the person; empty for those enrolled before
    # applications were kept (the migration that created enrolments) or registered directly.
    application = models.OneToOneField(
        "applications.Application",
        verbose_name=_("application"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrolment",
    )
    enrolled_on = models.DateField(_("enrolled on"))
    # The last day served under this enrolment (moved away, died, declined); empty while it runs.
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enrolment (纳入)")
        verbose_name_plural = _("enrolments (纳入)")
        ordering = ["recipient", "enrolled_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "area"], name="enrolment_one_per_recipient_and_area"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("enrolled_on")),
                name="enrolment_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | ~Q(end_reason=""),
                name="enrolment_end_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} · {self.area_id} · {self.enrolled_on}"

    def covers(self, day) -> bool:
        """Whether a visit on `day` counts toward this enrolment (its area's cycle, up to its end)."""
        return self.area.cycle_contains(day) and (self.ended_on is None or day <= self.ended_on)

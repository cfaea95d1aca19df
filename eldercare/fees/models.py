"""Fee confirmation sheets (服务费用确认单): per provider, pilot area and month, the visits to pay.

Each visit of the month is a line, decided one by one: confirmed (paid, and the visit is then locked
by `visits.services.visits_confirm_fees`) or voided with a reason code (the visit is voided through
`visits.services.visit_void`). A visit is on at most one sheet. Sheets and lines are written only by
`fees.services`.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from eldercare.core.models import NoDeleteQuerySet, TimeStampedModel


class SheetState(models.TextChoices):
    DRAFT = "draft", _("Draft (待确认)")
    CONFIRMED = "confirmed", _("Confirmed (已确认)")


class LineDecision(models.TextChoices):
    PENDING = "pending", _("Pending (待确认)")
    CONFIRMED = "confirmed", _("Confirmed (确认)")
    VOIDED = "voided", _("Voided (作废)")


class VoidReason(models.TextChoices):
    OVERTIME = "overtime", _("Overtime (超时)")
    DUPLICATE = "duplicate", _("Duplicate (重复)")
    NOT_DELIVERED = "not_delivered", _("Not delivered (未服务)")
    INCOMPLETE = "incomplete", _("Incomplete record (资料不全)")
    OTHER = "other", _("Other (其他)")


# The platform's words, whatever the reader's language: written into the voided visit's reason and
# into the exports.
SHEET_STATE_WORDS = {SheetState.DRAFT: "待确认", SheetState.CONFIRMED: "已确认"}
DECISION_WORDS = {LineDecision.PENDING: "待确认", LineDecision.CONFIRMED: "确认", LineDecision.VOIDED: "作废"}
VOID_REASON_WORDS = {
    VoidReason.OVERTIME: "超时",
    VoidReason.DUPLICATE: "重复",
    VoidReason.NOT_DELIVERED: "未服务",
    VoidReason.INCOMPLETE: "资料不全",
    VoidReason.OTHER: "其他",
}


class FeeSheet(TimeStampedModel):
    """One provider's visits of one month in one pilot area, for the payer to confirm (服务费用确认单)."""

    provider = models.ForeignKey(
        "providers.Provider", verbose_name=_("provider"), on_delete=models.PROTECT, related_name="fee_sheets"
    )
    area = models.ForeignKey(
        "areas.PilotArea", verbose_name=_("pilot area"), on_delete=models.PROTECT, related_name="fee_sheets"
    )
    # Always the first day of the month (the service sets it).
    month = models.DateField(_("month"))
    state = models.CharField(_("state"), max_length=16, choices=SheetState.choices, default=SheetState.DRAFT)
    # The fee per visit (元) the sheet pays; optional, as some areas settle the amount elsewhere.
    unit_fee = models.DecimalField(
        _("fee per visit (元)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = NoDeleteQuerySet.as_manager()

    class Meta:
        verbose_name = _("fee confirmation sheet (服务费用确认单)")
        verbose_name_plural = _("fee confirmation sheets (服务费用确认单)")
        ordering = ["-month", "provider_id", "area_id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "area", "month"], name="fee_sheet_one_per_provider_area_month"),
            models.CheckConstraint(
                condition=Q(state="draft", confirmed_at__isnull=True)
                | Q(state="confirmed", confirmed_at__isnull=False),
                name="fee_sheet_confirmed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(unit_fee__isnull=True) | Q(unit_fee__gte=0), name="fee_sheet_unit_fee_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} · {self.provider.name if self.provider_id else ''}"


class FeeSheetLine(models.Model):
    """One visit on a sheet and the payer's decision on it."""

    sheet = models.ForeignKey(FeeSheet, verbose_name=_("fee sheet"), on_delete=models.PROTECT, related_name="lines")
    visit = models.OneToOneField(
        "visits.Visit", verbose_name=_("home-care visit"), on_delete=models.PROTECT, related_name="fee_line"
    )
    decision = models.CharField(
        _("decision"), max_length=16, choices=LineDecision.choices, default=LineDecision.PENDING
    )
    void_reason = models.CharField(_("void reason"), max_length=16, choices=VoidReason.choices, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("fee sheet line")
        verbose_name_plural = _("fee sheet lines")
        ordering = ["sheet_id", "id"]
        constraints = [
            # A voided line says why; a line not voided carries no reason.
            models.CheckConstraint(
                condition=(Q(decision="voided") & ~Q(void_reason="")) | (~Q(decision="voided") & Q(void_reason="")),
                name="fee_line_voided_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.visit_id} · {self.get_decision_display()}"

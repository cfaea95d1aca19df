"""Visit exceptions (异常): what verification flags, and how reviewers resolve it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from eldercare.core.models import NoDeleteQuerySet, TimeStampedModel

from .visit import Visit


class ExceptionType(models.TextChoices):
    CAREGIVER_OVERLAP = "caregiver_overlap", _("Caregiver in two overlapping visits")
    TOO_SHORT = "too_short", _("Shorter than the minimum length")
    TOO_LONG = "too_long", _("Longer than the maximum length")
    FAR_CHECKIN = "far_checkin", _("Check-in far from the home")
    LATE_ENTRY = "late_entry", _("Entered late")
    NOT_ELIGIBLE = "not_eligible", _("Recipient not eligible that day")
    OUTSIDE_CYCLE = "outside_cycle", _("Outside the project cycle")
    FUTURE_START = "future_start", _("Starts in the future")
    # The device reported an accuracy worse than the check-in radius: the fix cannot place the
    # caregiver at the door or away from it, so it is flagged as imprecise, not as far.
    IMPRECISE_CHECKIN = "imprecise_checkin", _("Check-in location too imprecise")
    # Only where the batch requires photos (Batch.photos_required).
    MISSING_PHOTO = "missing_photo", _("Start or end photo missing")
    # Only where the batch requires the older person's confirmation (Batch.confirmation_required).
    UNCONFIRMED = "unconfirmed", _("Not yet confirmed by the older person")
    # The older person (or family) answered on the confirmation page that the visit did not take place.
    DISPUTED = "disputed", _("The older person says it did not take place")
    # No enrolment of the recipient covers the visit's day (DOMAIN.md, Enrolment): blocking, a reviewer
    # cannot make it count; enrolling the person in the area whose cycle holds the day clears it.
    NOT_ENROLLED = "not_enrolled", _("Recipient not enrolled for that day")


class Severity(models.TextChoices):
    # A blocking exception mirrors a counting rule that no reviewer may waive: the visit counts
    # only once the data change so the rule holds (the exception then clears by itself).
    BLOCKING = "blocking", _("Blocking")
    # A warning marks something possible but suspicious: the visit counts once a reviewer accepts it.
    WARNING = "warning", _("Warning")


EXCEPTION_SEVERITY = {
    ExceptionType.CAREGIVER_OVERLAP: Severity.WARNING,
    ExceptionType.TOO_SHORT: Severity.BLOCKING,
    ExceptionType.TOO_LONG: Severity.WARNING,
    ExceptionType.FAR_CHECKIN: Severity.WARNING,
    ExceptionType.LATE_ENTRY: Severity.WARNING,
    ExceptionType.NOT_ELIGIBLE: Severity.BLOCKING,
    ExceptionType.OUTSIDE_CYCLE: Severity.BLOCKING,
    ExceptionType.FUTURE_START: Severity.BLOCKING,
    ExceptionType.IMPRECISE_CHECKIN: Severity.WARNING,
    ExceptionType.MISSING_PHOTO: Severity.WARNING,
    ExceptionType.UNCONFIRMED: Severity.WARNING,
    ExceptionType.DISPUTED: Severity.WARNING,
    ExceptionType.NOT_ENROLLED: Severity.BLOCKING,
}


class ExceptionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted: the visit counts")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged: kept, does not count")
    VOIDED = "voided", _("Visit voided")
    CLEARED = "cleared", _("Cleared: no longer applies")


# Exceptions in these states hold the visit back from counting.
HOLDING_STATUSES = (ExceptionStatus.OPEN, ExceptionStatus.ACKNOWLEDGED)


class ReviewReasonCode(models.Model):
    """A reason code for resolving an exception (like EVV reason codes); data, not code."""

    class Decision(models.TextChoices):
        ACCEPT = "accept", _("Accept")
        VOID = "void", _("Void")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    label = models.CharField(_("label"), max_length=64)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("review reason code")
        verbose_name_plural = _("review reason codes")
        ordering = ["decision", "code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.label}"


class VisitException(TimeStampedModel):
    """A visit flagged for review (异常); stored, never just printed, and resolved with a reason code."""

    # Indexed by the (visit, type) unique constraint and the (visit, status) index, not on its own.
    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="exceptions", db_index=False
    )
    type = models.CharField(_("type"), max_length=24, choices=ExceptionType.choices)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    status = models.CharField(_("status"), max_length=16, choices=ExceptionStatus.choices, default=ExceptionStatus.OPEN)
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    # Copied from the visit so the review queue filters without joins over millions of visits.
    area = models.ForeignKey(
        "areas.PilotArea", verbose_name=_("pilot area"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    provider = models.ForeignKey(
        "providers.Provider", verbose_name=_("provider"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    reason_code = models.ForeignKey(
        ReviewReasonCode,
        verbose_name=_("reason code"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolution_note = models.TextField(_("resolution note"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = NoDeleteQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("visit exception")
        verbose_name_plural = _("visit exceptions (review queue)")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "type"], name="visit_exception_one_per_type"),
            models.CheckConstraint(
                condition=~Q(status__in=["accepted", "acknowledged"])
                | Q(resolved_at__isnull=False, reason_code__isnull=False),
                name="visit_exception_review_has_code_and_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="voided") | Q(resolved_at__isnull=False), name="visit_exception_void_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(severity="warning"),
                name="visit_exception_only_warnings_accepted",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "area", "type"], name="visit_exception_queue"),
            models.Index(fields=["visit", "status"], name="visit_exception_visit_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} · {self.get_status_display()}"

    def delete(self, *args, **kwargs):
        from eldercare.core.errors import DomainError

        raise DomainError(_("An exception is part of the audit trail and is never deleted."))

"""Writes for fee confirmation sheets (服务费用确认单); admin and commands call these, nothing else.

Confirming a sheet changes visits only through the visit services: confirmed lines are locked by
`visits.services.visits_confirm_fees` (the one home of "fee confirmation locks the visit"), voided
lines are voided by `visits.services.visit_void`, which re-verifies them and queues the recount in
the invalidation contract's queue. All of it happens in one transaction: a refusal changes nothing.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eldercare.core.audit import audit_record, audit_record_many
from eldercare.core.errors import DomainError
from eldercare.core.models import AuditEvent
from eldercare.visits.models import Visit, VisitStatus
from eldercare.visits.services import visit_void, visits_confirm_fees

from .models import VOID_REASON_WORDS, FeeSheet, FeeSheetLine, LineDecision, SheetState, VoidReason


def _acting(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(first: dt.date) -> dt.date:
    """The first day of the next month (exclusive end)."""
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def payable_visits(*, provider, area, month: dt.date):
    """The month's completed visits of the provider in the area whose fee is not confirmed yet."""
    first = month_start(month)
    return Visit.objects.filter(
        provider=provider,
        area=area,
        service_date__gte=first,
        service_date__lt=month_end(first),
        status=VisitStatus.COMPLETED,
        fee_confirmed_at__isnull=True,
    )


def _refuse_if_confirmed(sheet: FeeSheet) -> None:
    if sheet.state == SheetState.CONFIRMED:
        raise DomainError(_("This fee sheet is already confirmed; it cannot be changed."), code="fee_sheet_confirmed")


@transaction.atomic
def fee_sheet_prepare(*, provider, area, month: dt.date, user, unit_fee: Decimal | None = None) -> FeeSheet:
    """Make (or bring up to date) the provider's sheet for the month: new payable visits are added as
    pending lines, decisions already taken stay; a pending line whose visit was voided since is dropped."""
    if not provider.areas.filter(pk=area.pk).exists():
        raise DomainError(_("This provider does not serve this pilot area."), field="provider", code="provider_area")
    first = month_start(month)
    sheet, created = FeeSheet.objects.get_or_create(
        provider=provider, area=area, month=first, defaults={"created_by": _acting(user), "unit_fee": unit_fee}
    )
    sheet = FeeSheet.objects.select_for_update().get(pk=sheet.pk)
    _refuse_if_confirmed(sheet)
    if unit_fee is not None and sheet.unit_fee != unit_fee:
        sheet.unit_fee = unit_fee
        sheet.save(update_fields=["unit_fee", "updated_at"])
    FeeSheetLine.objects.filter(sheet=sheet, decision=LineDecision.PENDING, visit__status=VisitStatus.VOIDED).delete()
    new_ids = list(
        payable_visits(provider=provider, area=area, month=first)
        .filter(fee_line__isnull=True)
        .order_by("service_date", "started_at", "pk")
        .values_list("pk", flat=True)
    )
    FeeSheetLine.objects.bulk_create([FeeSheetLine(sheet=sheet, visit_id=pk) for pk in new_ids])
    audit_record(
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.CHANGE,
        user=user,
        obj=sheet,
        reason=str(_("Fee sheet prepared")),
        details={"lines_added": len(new_ids)},
    )
    return sheet


def _checked_decision(decision: str, reason: str, note: str) -> tuple[str, str]:
    """The reason code and note a decision keeps, or the refusal in the user's language."""
    if decision not in LineDecision.values:
        raise DomainError(_("Choose confirm or void."), field="decision", code="fee_decision")
    note = (note or "").strip()
    if decision != LineDecision.VOIDED:
        return "", note
    if reason not in VoidReason.values:
        raise DomainError(_("Choose a reason for voiding."), field="reason", code="fee_void_reason")
    if reason == VoidReason.OTHER and not note:
        raise DomainError(_("Say why in the note when the reason is “other”."), field="note", code="fee_note")
    return reason, note


@transaction.atomic
def fee_lines_decide(*, line_ids: Iterable[int], decision: str, reason: str = "", note: str = "", user) -> int:
    """Confirm lines, void them with a reason code (其他 needs a note), or set them back to pending.

    One update however many lines (a month of a large provider is thousands); a line on a confirmed
    sheet is refused, and then nothing changes. Returns how many lines were decided.
    """
    reason, note = _checked_decision(decision, reason, note)
    ids = sorted(set(line_ids))
    sheet_ids = set(FeeSheetLine.objects.filter(pk__in=ids).values_list("sheet_id", flat=True))
    # Locking the sheets first serialises this with their confirmation.
    for sheet in FeeSheet.objects.select_for_update().filter(pk__in=sheet_ids).order_by("pk"):
        _refuse_if_confirmed(sheet)
    pending = decision == LineDecision.PENDING
    lines = FeeSheetLine.objects.filter(pk__in=ids)
    changed = lines.update(
        decision=decision,
        void_reason=reason,
        note=note,
        decided_at=None if pending else timezone.now(),
        decided_by=None if pending else _acting(user),
    )
    audit_record_many(
        action=AuditEvent.Action.CHANGE,
        user=user,
        objects=list(lines.order_by("pk")),
        reason=str(_("Fee line decided")),
        details={"decision": decision, "void_reason": reason, "note": note},
    )
    return changed


def fee_line_decide(*, line: FeeSheetLine, decision: str, reason: str = "", note: str = "", user) -> FeeSheetLine:
    """Decide one line (see `fee_lines_decide`)."""
    fee_lines_decide(line_ids=[line.pk], decision=decision, reason=reason, note=note, user=user)
    return FeeSheetLine.objects.get(pk=line.pk)


def void_text(line: FeeSheetLine) -> str:
    """The reason a voided line gives its visit, in the platform's words."""
    return f"费用确认作废：{VOID_REASON_WORDS[VoidReason(line.void_reason)]} {line.note}".strip()


@transaction.atomic
def fee_sheet_confirm(*, sheet: FeeSheet, user) -> FeeSheet:
    """Confirm the sheet: every line decided; confirmed lines lock their visits, voided lines void them."""
    sheet = FeeSheet.objects.select_for_update().get(pk=sheet.pk)
    _refuse_if_confirmed(sheet)
    lines = list(sheet.lines.select_related("visit").order_by("pk"))
    if not lines:
        raise DomainError(_("This fee sheet has no visits to confirm."), code="fee_sheet_empty")
    undecided = sum(line.decision == LineDecision.PENDING for line in lines)
    if undecided:
        raise DomainError(
            _("%(count)d visits on this sheet are not decided yet: confirm or void each one first.")
            % {"count": undecided},
            code="fee_sheet_undecided",
        )
    to_confirm = [line.visit_id for line in lines if line.decision == LineDecision.CONFIRMED]
    lost = [
        line.visit_id
        for line in lines
        if line.decision == LineDecision.CONFIRMED
        and (line.visit.status != VisitStatus.COMPLETED or line.visit.fee_confirmed_at is not None)
    ]
    if lost:
        raise DomainError(
            _("Visits %(ids)s were voided or confirmed elsewhere since they were decided; decide them again.")
            % {"ids": ", ".join(f"#{pk}" for pk in lost)},
            code="fee_sheet_stale",
        )
    for line in lines:
        if line.decision == LineDecision.VOIDED and line.visit.status != VisitStatus.VOIDED:
            visit_void(visit=line.visit, reason=void_text(line), acting_user=user)
    confirmed = visits_confirm_fees(visit_ids=to_confirm, acting_user=user)
    if confirmed != len(to_confirm):  # a concurrent change between the check and the lock
        raise DomainError(_("Some visits changed while confirming; try again."), code="fee_sheet_stale")
    sheet.state = SheetState.CONFIRMED
    sheet.confirmed_at = timezone.now()
    sheet.confirmed_by = _acting(user)
    sheet.save(update_fields=["state", "confirmed_at", "confirmed_by", "updated_at"])
    audit_record(
        action=AuditEvent.Action.CHANGE,
        user=user,
        obj=sheet,
        reason=str(_("Fee sheet confirmed")),
        details={"confirmed": len(to_confirm), "voided": len(lines) - len(to_confirm)},
    )
    return sheet


def sheet_counts(sheet: FeeSheet) -> dict[str, int]:
    counts = dict.fromkeys(LineDecision.values, 0)
    for decision in sheet.lines.values_list("decision", flat=True):
        counts[decision] += 1
    return counts

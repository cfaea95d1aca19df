"""Writes for family care beds: the lifecycle is a state machine and every move goes through here."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from eldercare.core.audit import audit_record
from eldercare.core.errors import DomainError
from eldercare.core.input_policy import PROGRAMME_TIMEZONE
from eldercare.core.models import AuditEvent
from eldercare.recipients.models import Recipient
from eldercare.recipients.selectors import Purpose, eligibility_on
from eldercare.visits.photos import CheckedPhoto, PhotoConflict, check_photo
from eldercare.visits.verification.contract import changed_fields, invalidate, snapshot

from .models import BedPhoto, BedStatus, FamilyCareBed, RetrofitItem, WithdrawalReason

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    BedStatus.APPLIED: frozenset({BedStatus.ASSESSED, BedStatus.WITHDRAWN}),
    BedStatus.ASSESSED: frozenset({BedStatus.RETROFITTING, BedStatus.WITHDRAWN}),
    BedStatus.RETROFITTING: frozenset({BedStatus.AWAITING_ACCEPTANCE, BedStatus.WITHDRAWN}),
    # A failed acceptance sends the home back to retrofitting.
    BedStatus.AWAITING_ACCEPTANCE: frozenset({BedStatus.ACCEPTED, BedStatus.RETROFITTING, BedStatus.WITHDRAWN}),
    BedStatus.ACCEPTED: frozenset({BedStatus.IN_SERVICE, BedStatus.WITHDRAWN}),
    BedStatus.IN_SERVICE: frozenset({BedStatus.WITHDRAWN}),
    BedStatus.WITHDRAWN: frozenset(),
}


def _require_provider_role(provider, role_field: str, field: str) -> None:
    if provider is None:
        raise DomainError(_("Choose the organisation."), field=field)
    if not getattr(provider, role_field):
        raise DomainError(_("%(provider)s is not registered for this role.") % {"provider": provider.name}, field=field)


def _not_before(day: dt.date, earlier: dt.date | None, field: str) -> None:
    if earlier and day < earlier:
        raise DomainError(_("This date is before %(earlier)s, the previous step.") % {"earlier": earlier}, field=field)


@transaction.atomic
def _move(bed: FamilyCareBed, to_status: str, *, acting_user=None, reason: str = "", **changes) -> FamilyCareBed:
    # Lock the row and re-read the status so two clerks cannot both move the same bed.
    locked = FamilyCareBed.objects.select_for_update().get(pk=bed.pk)
    if to_status not in ALLOWED_TRANSITIONS[locked.status]:
        raise DomainError(
            _("A bed that is %(current)s cannot become %(target)s.")
            % {"current": locked.get_status_display(), "target": BedStatus(to_status).label},
            field="status",
            code="illegal_transition",
        )
    before = snapshot(locked, {"status", *changes})
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.status = to_status
    locked._change_reason = reason or f"{bed.status} → {to_status}"
    if acting_user is not None:
        locked._history_user = acting_user
    locked.full_clean()
    locked.save()
    invalidate(locked, changed_fields(locked, before), before=before)
    return locked


@transaction.atomic
def bed_apply(*, recipient: Recipient, applied_on: dt.date, acting_user=None) -> FamilyCareBed:
    """Open a bed application for an eligible recipient who has no active bed."""
    eligibility = eligibility_on(recipient, applied_on, purpose=Purpose.FAMILY_CARE_BED)
    if not eligibility:
        raise DomainError(
            _("%(name)s is not eligible for a family care bed on %(day)s: %(reasons)s.")
            % {
                "name": recipient.name,
                "day": applied_on,
                "reasons": "；".join(str(r) for r in eligibility.reasons),
            },
            field="recipient",
        )
    if FamilyCareBed.objects.filter(recipient=recipient).exclude(status=BedStatus.WITHDRAWN).exists():
        raise DomainError(
            _("%(name)s already has an active family care bed.") % {"name": recipient.name}, field="recipient"
        )
    bed = FamilyCareBed(recipient=recipient, area=recipient.area, applied_on=applied_on, status=BedStatus.APPLIED)
    if acting_user is not None:
        bed._history_user = acting_user
    bed.full_clean()
    bed.save()
    return bed


def bed_record_plan(*, bed: FamilyCareBed, design_provider, plan_signed_on: dt.date, acting_user=None) -> FamilyCareBed:
    """Record the assessment and the one-home plan (一户一案) signed by the older person."""
    _require_provider_role(design_provider, "does_assessment_design", "design_provider")
    _not_before(plan_signed_on, bed.applied_on, "plan_signed_on")
    return _move(
        bed,
        BedStatus.ASSESSED,
        acting_user=acting_user,
        design_provider=design_provider,
        plan_signed_on=plan_signed_on,
    )


def bed_start_retrofit(
    *, bed: FamilyCareBed, retrofit_provider, started_on: dt.date, acting_user=None
) -> FamilyCareBed:
    """Start (or, after a failed acceptance, resume) the retrofit works."""
    _require_provider_role(retrofit_provider, "does_bed_retrofit", "retrofit_provider")
    _not_before(started_on, bed.plan_signed_on, "retrofit_started_on")
    return _move(
        bed,
        BedStatus.RETROFITTING,
        acting_user=acting_user,
        retrofit_provider=retrofit_provider,
        retrofit_started_on=started_on,
    )


def bed_finish_retrofit(*, bed: FamilyCareBed, finished_on: dt.date, acting_user=None) -> FamilyCareBed:
    """Declare the works finished; the bed now awaits acceptance."""
    _not_before(finished_on, bed.retrofit_started_on, "retrofit_finished_on")
    if not bed.items.exists():
        raise DomainError(_("Record the installed retrofit items before finishing the works."), field="items")
    return _move(bed, BedStatus.AWAITING_ACCEPTANCE, acting_user=acting_user, retrofit_finished_on=finished_on)


def bed_accept(*, bed: FamilyCareBed, acceptance_provider, accepted_on: dt.date, acting_user=None) -> FamilyCareBed:
    """Record a passed acceptance inspection (验收合格); from here the bed counts toward the target."""
    _require_provider_role(acceptance_provider, "does_acceptance", "acceptance_provider")
    _not_before(accepted_on, bed.retrofit_finished_on, "accepted_on")
    return _move(
        bed,
        BedStatus.ACCEPTED,
        acting_user=acting_user,
        acceptance_provider=acceptance_provider,
        accepted_on=accepted_on,
    )


def bed_reject_acceptance(*, bed: FamilyCareBed, reason: str, acting_user=None) -> FamilyCareBed:
    """A failed acceptance sends the works back to the retrofit organisation."""
    if not reason.strip():
        raise DomainError(_("Say why the acceptance failed."), field="reason")
    return _move(bed, BedStatus.RETROFITTING, acting_user=acting_user, reason=reason)


def bed_start_service(
    *, bed: FamilyCareBed, started_on: dt.date, platform_account: str = "", acting_user=None
) -> FamilyCareBed:
    """Link the home to the monitoring platform and start the service (服务中)."""
    _not_before(started_on, bed.accepted_on, "service_started_on")
    return _move(
        bed,
        BedStatus.IN_SERVICE,
        acting_user=acting_user,
        service_started_on=started_on,
        platform_account=platform_account,
    )


def bed_withdraw(
    *, bed: FamilyCareBed, reason: str, withdrawn_on: dt.date, note: str = "", acting_user=None
) -> FamilyCareBed:
    """Withdraw a bed (撤销) with a reason; the record and its items are kept."""
    if reason not in WithdrawalReason.values:
        raise DomainError(_("Choose a withdrawal reason."), field="withdrawal_reason")
    if reason == WithdrawalReason.OTHER and not note.strip():
        raise DomainError(_("Describe the reason when it is 'other'."), field="withdrawal_note")
    _not_before(withdrawn_on, bed.applied_on, "withdrawn_on")
    return _move(
        bed,
        BedStatus.WITHDRAWN,
        acting_user=acting_user,
        reason=note or reason,
        withdrawn_on=withdrawn_on,
        withdrawal_reason=reason,
        withdrawal_note=note,
    )


# --- Evidence photos (before, after, acceptance) ---------------------------------------------------


@dataclass(frozen=True)
class BedPhotoResult:
    photo: BedPhoto
    created: bool  # False: this very photo was already stored for the bed (a resend), nothing changed


def bed_photo_add(
    *,
    bed: FamilyCareBed,
    stage: str,
    upload,
    item: RetrofitItem | None = None,
    taken_on: dt.date | None = None,
    acting_user=None,
    checked: CheckedPhoto | None = None,
) -> BedPhotoResult:
    """Store an evidence photo of a bed, checked and cleaned as every photo is (eldercare.visits.photos).

    A bed has many photos of each stage. The same photo sent again (same stored SHA-256) answers the
    stored one; sent again as another stage or item it is refused, since one photo cannot be both.
    `checked` is the upload already checked (the admin's form checks it to show errors on the form).
    """
    if stage not in BedPhoto.Stage.values:
        raise DomainError(_("Choose the stage: before, after or acceptance."), field="stage", code="invalid_choice")
    if item is not None and item.bed_id != bed.pk:
        raise DomainError(_("This retrofit item belongs to another bed."), field="item")
    checked = checked or check_photo(upload)
    with transaction.atomic():
        locked = FamilyCareBed.objects.select_for_update().get(pk=bed.pk)
        existing = BedPhoto.objects.filter(bed=locked, sha256=checked.sha256).first()
        if existing is not None:
            if existing.stage != stage or existing.item_id != (item.pk if item else None):
                raise PhotoConflict(
                    _("This photo is already stored for this bed as “%(stage)s”: one photo cannot be both.")
                    % {"stage": existing.get_stage_display()},
                    field="image",
                    code="photo_conflict",
                )
            return BedPhotoResult(existing, created=False)
        photo = BedPhoto(
            bed=locked,
            stage=stage,
            item=item,
            taken_on=taken_on or (checked.taken_at.astimezone(PROGRAMME_TIMEZONE).date() if checked.taken_at else None),
            uploaded_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
            **checked.metadata(),
        )
        photo.image.save(
            f"{locked.pk}-{stage}-{checked.sha256[:16]}.{checked.extension}", ContentFile(checked.content), save=False
        )
        try:
            with transaction.atomic():
                photo.full_clean()
                photo.save()
                audit_record(
                    action=AuditEvent.Action.CREATE,
                    user=acting_user,
                    obj=photo,
                    details={"bed": locked.pk, "stage": stage, "sha256": photo.sha256, "size_bytes": photo.size_bytes},
                )
        except (IntegrityError, ValidationError, DomainError):
            photo.image.storage.delete(photo.image.name)
            raise
    return BedPhotoResult(photo, created=True)

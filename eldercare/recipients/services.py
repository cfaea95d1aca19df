"""Writes for recipients and their capability assessments: admin, API, imports and the demo call these.

Each write validates the record as the admin's forms do, names the acting user and reason in the
history, and queues what the change invalidates (`visits.verification.contract`) in its transaction.
"""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from eldercare.areas.townships import township_lies_in_area
from eldercare.core.errors import DomainError, refuse_unknown_fields
from eldercare.visits.verification.contract import changed_fields, invalidate, snapshot

from .models import CapabilityAssessment, Recipient

# What a user may set on a recipient; sex and birth date follow from the ID number.
RECIPIENT_FIELDS = frozenset(
    {
        "resident_id",
        "name",
        "area",
        "township",
        "economic_category",
        "provider",
        "address",
        "home_latitude",
        "home_longitude",
        "phone",
        "guardian_name",
        "guardian_phone",
        "is_demo",
    }
)
ASSESSMENT_FIELDS = frozenset({"recipient", "assessed_on", "level", "assessor_name", "assessor_provider", "note"})


def _save(obj, *, acting_user, reason: str, clean: bool = True) -> None:
    if clean:
        obj.full_clean()
    if acting_user is not None and getattr(acting_user, "is_authenticated", False):
        obj._history_user = acting_user
    obj._change_reason = reason
    obj.save()


def _refuse_township_outside_area(recipient: Recipient) -> None:
    """The township (街道/乡镇) must lie in the household area's county (areas.townships says how)."""
    if recipient.township_id and recipient.area_id and not township_lies_in_area(recipient.township, recipient.area):
        raise DomainError(
            _("The township %(township)s does not lie in %(area)s; choose a township of that area.")
            % {"township": recipient.township, "area": recipient.area},
            field="township",
            code="township_outside_area",
        )


@transaction.atomic
def recipient_create(*, acting_user=None, reason: str = "", **fields) -> Recipient:
    """Register a recipient (服务对象); their area's totals are recounted."""
    refuse_unknown_fields(fields, RECIPIENT_FIELDS, _("a recipient"))
    recipient = Recipient(**fields)
    _refuse_township_outside_area(recipient)
    _save(recipient, acting_user=acting_user, reason=reason or str(_("Recipient registered")))
    # A new recipient changes the area's head count: as if the household area changed from none.
    invalidate(recipient, ["area"], before={"area": None}, reason="recipients.recipient created")
    return recipient


@transaction.atomic
def recipient_update(*, recipient: Recipient, acting_user=None, reason: str = "", **changes) -> Recipient:
    """Change a recipient; a change to an input of a rule re-verifies their visits and recounts them."""
    refuse_unknown_fields(changes, RECIPIENT_FIELDS, _("a recipient"))
    locked = Recipient.objects.select_for_update().get(pk=recipient.pk)
    # The birth date follows from the ID number (full_clean derives it): compare it too.
    before = snapshot(locked, {*changes, "birth_date"})
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.full_clean()
    changed = changed_fields(locked, before)
    if not changed:
        return locked
    _refuse_township_outside_area(locked)
    if "area" in changed and locked.visits.exists():
        # Visits are evidence filed under the area (and cycle) they were delivered in; a person who
        # moves to another district is enrolled there anew, not carried over with their visits.
        raise DomainError(
            _("%(name)s already has visits in %(area)s; the household area of a served recipient cannot change.")
            % {"name": locked.name, "area": Recipient.objects.get(pk=locked.pk).area},
            field="area",
            code="recipient_has_visits",
        )
    _save(locked, acting_user=acting_user, reason=reason or str(_("Recipient changed")), clean=False)
    invalidate(locked, changed, before=before)
    return locked


@transaction.atomic
def assessment_record(
    *,
    recipient: Recipient,
    assessed_on: dt.date,
    level: str,
    assessor_name: str,
    assessor_provider=None,
    note: str = "",
    acting_user=None,
    reason: str = "",
) -> CapabilityAssessment:
    """Record a capability assessment; visits from its date on are re-checked for eligibility."""
    assessment = CapabilityAssessment(
        recipient=recipient,
        assessed_on=assessed_on,
        level=level,
        assessor_name=assessor_name,
        assessor_provider=assessor_provider,
        note=note,
    )
    _save(assessment, acting_user=acting_user, reason=reason or str(_("Assessment recorded")))
    invalidate(assessment, ["assessed_on", "level"], reason="recipients.capabilityassessment created")
    return assessment


@transaction.atomic
def assessment_update(
    *, assessment: CapabilityAssessment, acting_user=None, reason: str = "", **changes
) -> CapabilityAssessment:
    """Correct an assessment; visits from the earlier of its old and new date are re-checked."""
    refuse_unknown_fields(changes, ASSESSMENT_FIELDS, _("an assessment"))
    locked = CapabilityAssessment.objects.select_for_update().get(pk=assessment.pk)
    before = snapshot(locked, changes)
    for name, value in changes.items():
        setattr(locked, name, value)
    changed = changed_fields(locked, before)
    if not changed:
        return locked
    _save(locked, acting_user=acting_user, reason=reason or str(_("Assessment corrected")))
    invalidate(locked, changed, before=before)
    return locked

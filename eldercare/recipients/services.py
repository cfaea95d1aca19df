"""Writes for recipients and their capability assessments: admin, API, imports and the demo call these.

Each write validates the record as the admin's forms do, names the acting user and reason in the
history, and queues what the change invalidates (`visits.verification.contract`) in its transaction.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from eldercare.areas.townships import township_lies_in_area
from eldercare.core.errors import DomainError, refuse_unknown_fields
from eldercare.core.geo import CoordinateSystem, coordinate_system_error, from_wgs84, stored_degrees, to_wgs84
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
HOME_FIELDS = ("home_latitude", "home_longitude")
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


def _home_in_wgs84(fields: dict, system, *, now: Recipient | None = None) -> None:
    """Read the home coordinates in `fields` in `system` (None: WGS-84) and put their WGS-84 values back.

    Only the WGS-84 position is kept for a home, unlike a visit's check-in: a home is typed once, by
    staff reading it off a map, and the history row keeps what was typed when. Half a position given
    keeps the other half from where the home is now (`now`).
    """
    system = CoordinateSystem.WGS84 if system is None else system
    problem = coordinate_system_error(system)
    if problem is not None:
        raise ValidationError({"coordinate_system": problem})
    given = [name for name in HOME_FIELDS if name in fields]
    if system == CoordinateSystem.WGS84 or not given:
        return
    if len(given) == 1 and now is not None and None not in (now.home_latitude, now.home_longitude):
        there = [stored_degrees(degrees) for degrees in from_wgs84(now.home_latitude, now.home_longitude, system)]
        missing = HOME_FIELDS.index(given[0]) ^ 1
        fields[HOME_FIELDS[missing]] = there[missing]
    values, errors = [], {}
    for name in HOME_FIELDS:
        try:
            values.append(Recipient._meta.get_field(name).clean(fields.get(name), None))
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    if None not in values:  # half a position stays as given, for full_clean to refuse
        converted = (stored_degrees(degrees) for degrees in to_wgs84(*values, system))
        fields.update(zip(HOME_FIELDS, converted, strict=True))


@transaction.atomic
def recipient_create(
    *, acting_user=None, reason: str = "", coordinate_system: str | None = None, **fields
) -> Recipient:
    """Register a recipient (服务对象); their area's totals are recounted.

    The home coordinates are read in `coordinate_system` (WGS-84 when not named) and kept in WGS-84.
    """
    refuse_unknown_fields(fields, RECIPIENT_FIELDS, _("a recipient"))
    _home_in_wgs84(fields, coordinate_system)
    recipient = Recipient(**fields)
    _refuse_township_outside_area(recipient)
    _save(recipient, acting_user=acting_user, reason=reason or str(_("Recipient registered")))
    # A new recipient changes the area's head count: as if the household area changed from none.
    invalidate(recipient, ["area"], before={"area": None}, reason="recipients.recipient created")
    return recipient


@transaction.atomic
def recipient_update(
    *, recipient: Recipient, acting_user=None, reason: str = "", coordinate_system: str | None = None, **changes
) -> Recipient:
    """Change a recipient; a change to an input of a rule re-verifies their visits and recounts them.

    Home coordinates given are read in `coordinate_system` (WGS-84 when not named), as in `recipient_create`.
    """
    refuse_unknown_fields(changes, RECIPIENT_FIELDS, _("a recipient"))
    locked = Recipient.objects.select_for_update().get(pk=recipient.pk)
    _home_in_wgs84(changes, coordinate_system, now=locked)
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

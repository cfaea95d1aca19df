"""Writes for home-care visits. Admin, API, imports and tasks all log, change, void and review visits here.

Every write re-checks the visits it touches (visits.verification) in the same transaction, so the
person entering it learns at once whether it counts, and queues the roll-up recount of every
recipient touched in the durable recount queue (`verification.contract`), in that transaction too.

Coordinates come in the system the device names (`coordinate_system`: wgs84, the default, gcj02 or
bd09): `place_sent_location` keeps them as sent in the `*_sent` columns and stores their WGS-84
conversion (`core.geo.to_wgs84`) in `checkin_latitude`…, which is what every rule measures. The bulk
upload (`visits.bulk`) calls it too, item by item.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_update_with_history

from eldercare.core.audit import audit_record_many
from eldercare.core.errors import DomainError
from eldercare.core.geo import (
    CoordinateSystem,
    coordinate_system_error,
    from_wgs84,
    parse_accuracy_m,
    stored_degrees,
    to_wgs84,
)
from eldercare.core.models import AuditEvent

from .models import (
    ExceptionStatus,
    ReviewReasonCode,
    SatisfactionSource,
    Severity,
    Visit,
    VisitException,
    VisitStatus,
)
from .verification import overlap_partner_ids, verify_visits
from .verification.contract import Reverify, changed_fields, enqueue_recount, invalidation_for, snapshot

# What a provider may change after entry; identity, area and status change only through services.
EDITABLE_FIELDS = frozenset(
    {
        "recipient",
        "provider",
        "caregiver",
        "category",
        "started_at",
        "ended_at",
        "checkin_latitude",
        "checkin_longitude",
        "checkout_latitude",
        "checkout_longitude",
        "checkin_accuracy_m",
        "checkout_accuracy_m",
        "satisfaction",
        "note",
    }
)
POINTS = ("checkin", "checkout")
COORDINATE_FIELDS = tuple(f"{point}_{axis}" for point in POINTS for axis in ("latitude", "longitude"))
ACCURACY_FIELDS = tuple(f"{point}_accuracy_m" for point in POINTS)
# What a device sends about where it was: read in the request's coordinate system.
LOCATION_FIELDS = (*COORDINATE_FIELDS, *ACCURACY_FIELDS)
_COORDINATE_MODEL_FIELDS = {name: Visit._meta.get_field(name) for name in COORDINATE_FIELDS}


def _acting(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _queue_recount(recipient_ids: Iterable[int], reason: str) -> None:
    enqueue_recount(recipient_ids=recipient_ids, reason=reason)


def place_sent_location(visit: Visit, *, system, sent: Mapping) -> dict[str, list[str]]:
    """Put what a device sent (`sent`: some of LOCATION_FIELDS, coordinates in `system`) on `visit`.

    Each point given is kept as sent (`*_sent`) and stored converted to WGS-84, rounded to the
    columns' six decimals; a point given in part, or out of range, is stored as it came, so the
    model's own validation names it. Returns the problems by field (an unknown system, a coordinate
    or accuracy that is not a number); plain floats only, as the bulk upload runs it per item.
    """
    problem = coordinate_system_error(system)
    if problem is not None:
        return {"coordinate_system": [problem]}
    problems: dict[str, list[str]] = {}
    visit.coordinate_system = system
    for point in POINTS:
        names = (f"{point}_latitude", f"{point}_longitude")
        if names[0] not in sent and names[1] not in sent:
            continue
        values = []
        for name in names:
            value = sent.get(name)
            # A JSON number is read as written (its shortest repr), not as its binary expansion, which
            # the field would round to nine digits and then refuse for its seventh decimal.
            value = repr(value) if isinstance(value, float) else value
            try:
                values.append(_COORDINATE_MODEL_FIELDS[name].clean(value, visit))
            except ValidationError as error:
                problems[name] = error.messages
        if len(values) < 2:
            continue
        stored = values
        if system != CoordinateSystem.WGS84 and None not in values:
            # Out of range stays out of range (outside China nothing moves), for the model to refuse.
            stored = [stored_degrees(degrees) for degrees in to_wgs84(*values, system)]
        for name, value, stored_value in zip(names, values, stored, strict=True):
            setattr(visit, f"{name}_sent", value)
            setattr(visit, name, stored_value)
    for name in ACCURACY_FIELDS:
        if name in sent:
            try:
                setattr(visit, name, parse_accuracy_m(sent[name]))
            except ValidationError as error:
                problems[name] = error.messages
    return problems


def _place_or_refuse(visit: Visit, *, system, sent: Mapping) -> None:
    problems = place_sent_location(visit, system=system, sent=sent)
    if problems:
        raise ValidationError(problems)


def _completed_pairs(visit: Visit, given: dict, system: str) -> dict:
    """The coordinates of a change with each half-given point completed from where the point is now.

    An edit that sends one half of a point means the other half stays: it is read from the stored
    WGS-84 position, expressed in the system the edit names. A point with no position stays half-given.
    """
    completed = dict(given)
    for point in POINTS:
        names = (f"{point}_latitude", f"{point}_longitude")
        missing = [index for index, name in enumerate(names) if name not in given]
        if len(missing) == 1:
            there = _position_in(visit, point, system)
            if there is not None:
                completed[names[missing[0]]] = there[missing[0]]
    return completed


def _reexpress_untouched(visit: Visit, given: dict, system: str) -> None:
    """A point the edit leaves alone stays where it is; its as-sent copy follows the visit's new system."""
    if system == visit.coordinate_system:
        return
    for point in POINTS:
        names = (f"{point}_latitude", f"{point}_longitude")
        if names[0] in given or names[1] in given:
            continue
        there = _position_in(visit, point, system) or (None, None)
        for name, value in zip(names, there, strict=True):
            setattr(visit, f"{name}_sent", value)


def _position_in(visit: Visit, point: str, system: str) -> tuple | None:
    """Where the point is stored, as a device reporting in `system` would have sent it; None if unknown."""
    now = (getattr(visit, f"{point}_latitude"), getattr(visit, f"{point}_longitude"))
    if None in now:
        return None
    if system == CoordinateSystem.WGS84:
        return now
    return tuple(stored_degrees(degrees) for degrees in from_wgs84(*now, system))


def _satisfaction_source(satisfaction: str) -> str:
    # A satisfaction written through these services is recorded with the visit, by its caregiver or
    # provider; the older person's own rating comes through the confirmation page instead.
    return SatisfactionSource.CAREGIVER if satisfaction else ""


def visit_is_locked(visit: Visit, *, today: dt.date | None = None) -> bool:
    """Locked once its fee is confirmed (费用确认) or the batch's lock period after the visit has passed."""
    if visit.fee_confirmed_at is not None:
        return True
    today = today or timezone.localdate()
    return today >= visit.service_date + dt.timedelta(days=visit.area.batch.lock_after_days)


def _refuse_if_locked(visit: Visit) -> None:
    if visit_is_locked(visit):
        raise DomainError(
            _("This visit is locked (fee confirmed or over %(days)d days old): it can only be voided with a reason.")
            % {"days": visit.area.batch.lock_after_days},
            code="visit_locked",
        )


def _validated_save(visit: Visit, *, acting_user, reason: str) -> None:
    visit.full_clean()
    if acting_user is not None:
        visit._history_user = acting_user
    visit._change_reason = reason
    visit.save()


@transaction.atomic
def visit_create(*, acting_user=None, items=None, coordinate_system: str = CoordinateSystem.WGS84, **fields) -> Visit:
    """Record a visit; impossible input raises ValidationError naming the field, suspicious input is flagged.

    The coordinates and accuracies are read in `coordinate_system` (see `place_sent_location`).
    """
    unknown = set(fields) - EDITABLE_FIELDS - {"client_uuid"}
    if unknown:
        raise DomainError(
            _("These fields cannot be set on a visit: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    location = {name: fields.pop(name) for name in LOCATION_FIELDS if name in fields}
    visit = Visit(**fields, entered_by=_acting(acting_user))
    _place_or_refuse(visit, system=coordinate_system, sent=location)
    visit.satisfaction_source = _satisfaction_source(visit.satisfaction)
    _validated_save(visit, acting_user=_acting(acting_user), reason=str(_("Visit recorded")))
    if items is not None:
        visit.items.set(items)
    _queue_recount(verify_visits([visit.pk]), "visits.visit created")
    visit.refresh_from_db()
    return visit


@transaction.atomic
def visit_update(
    *, visit: Visit, acting_user=None, reason: str = "", items=None, coordinate_system: str | None = None, **changes
) -> Visit:
    """Change a visit that is still open for edits; every change is kept in the history with its reason.

    Coordinates sent are read in `coordinate_system` (WGS-84 when not named); a point not sent stays
    where it is, and half a point sent keeps its other half (`_completed_pairs`).
    """
    locked = Visit.objects.select_for_update().select_related("area__batch").get(pk=visit.pk)
    if locked.status == VisitStatus.VOIDED:
        raise DomainError(_("A voided visit cannot be changed."), code="visit_voided")
    _refuse_if_locked(locked)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise DomainError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if (
        locked.satisfaction_source == SatisfactionSource.RECIPIENT
        and changes.get("satisfaction", locked.satisfaction) != locked.satisfaction
    ):
        # The older person's own answer on the confirmation page weighs more than a recorded one.
        raise DomainError(
            _("The older person rated this visit themselves; their rating is not replaced."),
            field="satisfaction",
            code="satisfaction_rated_by_recipient",
        )
    earlier_partners = overlap_partner_ids(locked)
    location = {name: changes.pop(name) for name in LOCATION_FIELDS if name in changes}
    before = snapshot(locked, {*changes, *location, "coordinate_system", "satisfaction_source"})
    for name, value in changes.items():
        setattr(locked, name, value)
    if location or coordinate_system is not None:
        # Coordinates sent without a system are WGS-84 (the API's default); an accuracy alone keeps the system.
        coordinates_sent = any(name in location for name in COORDINATE_FIELDS)
        system = coordinate_system or (CoordinateSystem.WGS84 if coordinates_sent else locked.coordinate_system)
        if coordinate_system_error(system) is None:
            _reexpress_untouched(locked, location, system)
            location = _completed_pairs(locked, location, system)
        _place_or_refuse(locked, system=system, sent=location)
    if locked.satisfaction != before.get("satisfaction", locked.satisfaction):
        locked.satisfaction_source = _satisfaction_source(locked.satisfaction)
    _validated_save(locked, acting_user=_acting(acting_user), reason=reason or str(_("Visit changed")))
    if items is not None:
        locked.items.set(items)
    changed = changed_fields(locked, before)
    invalidation = invalidation_for("visits.visit", changed)
    # Any edit re-opens the visit's accepted exceptions (an acceptance vouched for the old content),
    # so the visit is always checked again; the contract adds its caregiver's earlier overlaps.
    partners = earlier_partners if invalidation and invalidation.reverify >= Reverify.VISIT else []
    touched = verify_visits([locked.pk, *partners], reopen_ids=[locked.pk])
    _queue_recount(touched | {before.get("recipient", locked.recipient_id)}, "visits.visit changed")
    locked.refresh_from_db()
    return locked


@transaction.atomic
def visit_void(*, visit: Visit, reason: str, acting_user=None) -> Visit:
    """Void a visit with a reason; the row and its original content stay as evidence. Allowed even when locked."""
    if not (reason or "").strip():
        raise DomainError(_("Give a reason for voiding the visit."), field="void_reason", code="void_reason_required")
    locked = Visit.objects.select_for_update().get(pk=visit.pk)
    if locked.status == VisitStatus.VOIDED:
        raise DomainError(_("This visit is already voided."), code="visit_already_voided")
    partners = overlap_partner_ids(locked)
    locked.status = VisitStatus.VOIDED
    locked.void_reason = reason.strip()
    locked.voided_at = timezone.now()
    locked.voided_by = _acting(acting_user)
    # No full_clean here: voiding must work even on a visit that fails today's checks (a caregiver
    # moved to another provider, say); the database constraints still guard the void fields.
    locked._history_user = _acting(acting_user)
    locked._change_reason = locked.void_reason
    locked.save()
    _queue_recount(verify_visits([locked.pk, *partners]), "visits.visit voided")
    locked.refresh_from_db()
    return locked


@transaction.atomic
def visits_confirm_fees(*, visit_ids: Iterable[int], acting_user) -> int:
    """Confirm the fee (费用确认) of completed visits, which locks them; returns how many were confirmed."""
    now = timezone.now()
    # Filtering on the current state makes a second confirmation change nothing.
    pending = list(
        Visit.objects.select_for_update()
        .filter(pk__in=list(visit_ids), status=VisitStatus.COMPLETED, fee_confirmed_at__isnull=True)
        .order_by("pk")
    )
    for visit in pending:
        visit.fee_confirmed_at = now
        visit.fee_confirmed_by = _acting(acting_user)
        visit._change_reason = str(_("Fee confirmed"))
    bulk_update_with_history(
        pending,
        Visit,
        ["fee_confirmed_at", "fee_confirmed_by"],
        default_user=_acting(acting_user),
        default_change_reason=str(_("Fee confirmed")),
    )
    # The bulk history write sends no per-row signal, so the audit log is written here.
    audit_record_many(
        action=AuditEvent.Action.CHANGE, user=acting_user, objects=pending, reason=str(_("Fee confirmed"))
    )
    return len(pending)


@dataclass
class ReviewResult:
    resolved: int = 0
    refused: list[str] = field(default_factory=list)


@transaction.atomic
def exceptions_resolve(
    *, exception_ids: Iterable[int], decision: str, reason_code: ReviewReasonCode, note: str = "", acting_user
) -> ReviewResult:
    """Resolve open exceptions with a reason code: accept (the visit may then count) or void the visit.

    Only a warning can be accepted; a blocking exception mirrors a rule no reviewer may waive,
    so "accept" acknowledges it and the visit stays uncounted until the data change.
    """
    if decision not in ReviewReasonCode.Decision.values:
        raise DomainError(_("Choose accept or void."), field="decision")
    if reason_code is None or not reason_code.is_active:
        raise DomainError(_("Choose a reason code."), field="reason_code")
    if reason_code.decision != decision:
        raise DomainError(
            _("Reason code %(code)s is for the other decision.") % {"code": reason_code.code}, field="reason_code"
        )
    now = timezone.now()
    result = ReviewResult()
    exceptions = list(
        VisitException.objects.select_for_update()
        .filter(pk__in=list(exception_ids))
        .select_related("visit")
        .order_by("pk")
    )
    recheck: set[int] = set()
    for exception in exceptions:
        if exception.status != ExceptionStatus.OPEN:
            result.refused.append(
                str(_("#%(pk)s is already %(status)s") % {"pk": exception.pk, "status": exception.get_status_display()})
            )
            continue
        if decision == ReviewReasonCode.Decision.VOID:
            if exception.visit.status != VisitStatus.VOIDED:
                visit_void(visit=exception.visit, reason=f"{reason_code.label} {note}".strip(), acting_user=acting_user)
            exception.refresh_from_db()
            exception.status = ExceptionStatus.VOIDED
        elif exception.severity == Severity.WARNING:
            exception.status = ExceptionStatus.ACCEPTED
        else:
            exception.status = ExceptionStatus.ACKNOWLEDGED
        exception.reason_code = reason_code
        exception.resolution_note = note
        exception.resolved_at = now
        exception.resolved_by = _acting(acting_user)
        exception._history_user = _acting(acting_user)
        exception._change_reason = f"{reason_code.code} {note}".strip()
        exception.save()
        recheck.add(exception.visit_id)
        result.resolved += 1
    _queue_recount(verify_visits(recheck), "visits.visitexception reviewed")
    return result

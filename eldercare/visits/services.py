"""Writes for home-care visits. Admin, API, imports and tasks all log, change and void visits here."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eldercare.core.errors import DomainError

from .models import Visit, VisitStatus

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
        "satisfaction",
        "photo_start",
        "photo_end",
        "note",
    }
)


def _acting(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _validated_save(visit: Visit, *, acting_user, reason: str) -> None:
    visit.full_clean()
    if acting_user is not None:
        visit._history_user = acting_user
    visit._change_reason = reason
    visit.save()


@transaction.atomic
def visit_create(*, acting_user=None, items=None, **fields) -> Visit:
    """Record a visit; impossible input raises ValidationError naming the field."""
    unknown = set(fields) - EDITABLE_FIELDS - {"client_uuid"}
    if unknown:
        raise DomainError(
            _("These fields cannot be set on a visit: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    visit = Visit(**fields, entered_by=_acting(acting_user))
    _validated_save(visit, acting_user=_acting(acting_user), reason=str(_("Visit recorded")))
    if items is not None:
        visit.items.set(items)
    return visit


@transaction.atomic
def visit_update(*, visit: Visit, acting_user=None, reason: str = "", items=None, **changes) -> Visit:
    """Change a visit that is still open for edits; every change is kept in the history with its reason."""
    locked = Visit.objects.select_for_update().get(pk=visit.pk)
    if locked.status == VisitStatus.VOIDED:
        raise DomainError(_("A voided visit cannot be changed."), code="visit_voided")
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise DomainError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    for name, value in changes.items():
        setattr(locked, name, value)
    _validated_save(locked, acting_user=_acting(acting_user), reason=reason or str(_("Visit changed")))
    if items is not None:
        locked.items.set(items)
    return locked


@transaction.atomic
def visit_void(*, visit: Visit, reason: str, acting_user=None) -> Visit:
    """Void a visit with a reason; the row and its original content stay as evidence."""
    if not (reason or "").strip():
        raise DomainError(_("Give a reason for voiding the visit."), field="void_reason", code="void_reason_required")
    locked = Visit.objects.select_for_update().get(pk=visit.pk)
    if locked.status == VisitStatus.VOIDED:
        raise DomainError(_("This visit is already voided."), code="visit_already_voided")
    locked.status = VisitStatus.VOIDED
    locked.void_reason = reason.strip()
    locked.voided_at = timezone.now()
    locked.voided_by = _acting(acting_user)
    # No full_clean here: voiding must work even on a visit that fails today's checks (a caregiver
    # moved to another provider, say); the database constraints still guard the void fields.
    locked._history_user = _acting(acting_user)
    locked._change_reason = locked.void_reason
    locked.save()
    return locked

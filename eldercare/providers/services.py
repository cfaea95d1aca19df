"""Writes for providers' staff: the one write path for caregivers (admin, imports, demo).

Caregivers feed no counting rule by themselves (a visit names its caregiver; overlaps are checked on
the visit), so nothing is invalidated; every write is validated as the admin's form validates it,
leaves a history row and is audited (`core.audit`).
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from eldercare.core.audit import audit_record
from eldercare.core.errors import refuse_unknown_fields
from eldercare.core.models import AuditEvent

from .models import Caregiver

CAREGIVER_FIELDS = frozenset({"provider", "name", "phone", "employee_number", "is_active"})


@transaction.atomic
def caregiver_save(*, caregiver: Caregiver | None = None, acting_user=None, reason: str = "", **changes) -> Caregiver:
    """Create a caregiver (no `caregiver` given) or change one; audited, with a history row."""
    refuse_unknown_fields(changes, CAREGIVER_FIELDS, _("a caregiver"))
    creating = caregiver is None or caregiver.pk is None
    if creating:
        locked = caregiver or Caregiver()
        before = {}
    else:
        locked = Caregiver.objects.select_for_update().get(pk=caregiver.pk)
        before = {name: getattr(locked, name) for name in changes}
    for name, value in changes.items():
        setattr(locked, name, value)
    changed = sorted(name for name in changes if creating or getattr(locked, name) != before[name])
    if not creating and not changed:
        return locked
    locked.full_clean()
    locked._change_reason = reason or ("caregiver created" if creating else "caregiver changed")
    if acting_user is not None and getattr(acting_user, "is_authenticated", False):
        locked._history_user = acting_user
    locked.save()
    audit_record(
        action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.CHANGE,
        user=acting_user,
        obj=locked,
        reason=reason,
        details={"fields": changed},
    )
    return locked

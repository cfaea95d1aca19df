"""Where a visit is filed: the pilot area of the recipient's enrolment covering its day.

A visit takes its area when it is entered (`Visit.clean` → `Visit.file_in_area`). An enrolment made
or ended later can move a person's visits to another batch's area; `visits_refile` moves them, with
history rows and audit events, in the caller's transaction (recipients.enrolments calls it before
re-verifying the person's visits). Moving a fee-confirmed visit changes where it counts, not what was
paid, so locked visits move too: their evidence is unchanged.
"""

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from eldercare.core.audit import audit_record_many
from eldercare.core.models import AuditEvent

from .models import Visit


@transaction.atomic
def visits_refile(*, recipient, reason: str, acting_user=None) -> set[int]:
    """File every visit of `recipient` in its covering enrolment's area; return the areas they left and joined."""
    from eldercare.recipients.enrolments import enrolment_area_id_on, enrolments_by_recipient

    enrolments = enrolments_by_recipient([recipient.pk]).get(recipient.pk, [])
    moved: list[Visit] = []
    areas: set[int] = set()
    for visit in (
        Visit.objects.select_for_update(of=("self",))
        .select_related("recipient", "category")
        .filter(recipient=recipient)
        .order_by("pk")
    ):
        area_id = enrolment_area_id_on(recipient, visit.service_date, enrolments=enrolments)
        if area_id != visit.area_id:
            areas |= {visit.area_id, area_id}
            visit.area_id, visit.updated_at = area_id, timezone.now()
            moved.append(visit)
    if not moved:
        return areas
    user = acting_user if getattr(acting_user, "is_authenticated", False) else None
    bulk_update_with_history(moved, Visit, ["area", "updated_at"], default_user=user, default_change_reason=reason)
    # The bulk history write sends no per-row signal, so the audit log is written here.
    audit_record_many(action=AuditEvent.Action.CHANGE, user=user, objects=moved, reason=reason)
    return areas

"""Enrolment per batch (纳入): which pilot area, of which batch, a person is served in on a given day.

DOMAIN.md, "Enrolment": an approved home-visit application enrols the person in that batch's pilot
area for its cycle; one person can hold enrolments in several batches. **Decision**: a visit counts
toward the enrolment whose area's cycle contains the visit's day (and, once the enrolment has ended,
not after its last day); a visit no enrolment covers raises the blocking NOT_ENROLLED exception
(`visits.verification.checks`). The day of enrolment is a record, not a limit: the cycle is.

Selectors (read by verification, the visit services, the API) and the two writes, `enrolment_create`
and `enrolment_end`, which re-verify the person's visits and queue their recount in their transaction.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eldercare.core.audit import audit_record
from eldercare.core.errors import DomainError
from eldercare.core.models import AuditEvent

from .models import Enrolment, Recipient

END_REASON_MAX_LENGTH = 255


def enrolments_by_recipient(recipient_ids: Iterable[int]) -> dict[int, list[Enrolment]]:
    """Every enrolment of these recipients with its area, in one query (verification loads a chunk at once)."""
    found: dict[int, list[Enrolment]] = defaultdict(list)
    for enrolment in (
        Enrolment.objects.filter(recipient_id__among=set(recipient_ids))
        .select_related("area__batch")
        .order_by("recipient_id", "area__cycle_start", "id")
    ):
        found[enrolment.recipient_id].append(enrolment)
    return found


def served_area_ids(recipient_ids: Iterable[int]) -> set[int]:
    """The pilot areas these people are served in: their enrolments', or the household area of anyone with none."""
    ids = set(recipient_ids)
    enrolled = Enrolment.objects.filter(recipient_id__among=ids)
    areas = set(enrolled.values_list("area_id", flat=True))
    never_enrolled = Recipient.objects.filter(pk__among=ids).exclude(pk__in=enrolled.values("recipient_id"))
    return areas | set(never_enrolled.values_list("area_id", flat=True))


def covering_enrolment(enrolments: Iterable[Enrolment], day: dt.date) -> Enrolment | None:
    """The enrolment that covers `day`, or None; the latest cycle wins should two cycles touch the same day."""
    covering = [enrolment for enrolment in enrolments if enrolment.covers(day)]
    return max(covering, key=lambda e: (e.area.cycle_start, e.pk)) if covering else None


def implicitly_enrolled(enrolments: list[Enrolment]) -> bool:
    """A person with no enrolment at all is read as enrolled in their household area.

    Only records written outside the enrolment services have none (every recipient the migration
    found was enrolled; recipients registered since through `recipient_create` or factories, until
    those enrol too): their visits keep counting as before enrolments existed. The first explicit
    enrolment makes that household enrolment explicit too (`enrolment_create`), so it never changes
    what counted.
    """
    return not enrolments


def enrolment_area_id_on(recipient: Recipient, day: dt.date | None, *, enrolments: list | None = None) -> int:
    """The id of the pilot area a visit of `recipient` on `day` is filed in: its covering enrolment's area.

    A visit after an enrolment ended but inside its area's cycle stays in that area (its officials
    see it held back as NOT_ENROLLED there). With no enrolment's cycle containing the day (or no day
    yet), the household area (`Recipient.area`), where verification flags it too. `enrolments`: the
    person's, when the caller loaded them for many visits at once (`enrolments_by_recipient`).
    """
    if enrolments is None:
        enrolments = enrolments_by_recipient([recipient.pk]).get(recipient.pk, [])
    enrolment = None
    if day is not None:
        enrolment = covering_enrolment(enrolments, day) or next(
            (e for e in reversed(enrolments) if e.area.cycle_contains(day)), None
        )
    return enrolment.area_id if enrolment is not None else recipient.area_id


def enrolment_area_on(recipient: Recipient, day: dt.date):
    """The pilot area a visit of `recipient` on `day` is filed in (`enrolment_area_id_on`), as an object."""
    from eldercare.areas.models import PilotArea

    area_id = enrolment_area_id_on(recipient, day)
    return recipient.area if area_id == recipient.area_id else PilotArea.objects.get(pk=area_id)


def _reverify_recipient(recipient: Recipient, reason: str, *, acting_user) -> None:
    # Imported here: verification and filing read this module's selectors, so a top-level import would be circular.
    from eldercare.visits.filing import visits_refile
    from eldercare.visits.models import Visit
    from eldercare.visits.verification.checks import verify_visits
    from eldercare.visits.verification.contract import enqueue_recount

    # An enrolment decides where each of the person's visits is filed and whether it counts: all are
    # moved and checked now, in this transaction (a few hundred at most), and the person's recount
    # (which covers every area they have figures in) queued.
    visits_refile(
        recipient=recipient,
        reason=str(_("Filed in the area of the enrolment covering its day")),
        acting_user=acting_user,
    )
    visits = list(Visit.objects.filter(recipient_id=recipient.pk).values_list("pk", flat=True))
    recipients = verify_visits(visits) | {recipient.pk}
    enqueue_recount(recipient_ids=recipients, reason=reason)


def _materialise_household_enrolment(recipient: Recipient, area, *, acting_user) -> None:
    """Before a person's first enrolment elsewhere, write down the implicit one in their household area."""
    if area.pk == recipient.area_id or recipient.enrolments.exists():
        return
    _save_new(
        Enrolment(recipient=recipient, area=recipient.area, enrolled_on=timezone.localdate(recipient.created_at)),
        acting_user=acting_user,
        reason=str(_("Enrolled in the household area before a first enrolment elsewhere")),
    )


def _save_new(enrolment: Enrolment, *, acting_user, reason: str) -> Enrolment:
    user = acting_user if getattr(acting_user, "is_authenticated", False) else None
    enrolment.created_by = user
    enrolment.full_clean()
    if user is not None:
        enrolment._history_user = user
    enrolment._change_reason = reason
    enrolment.save()
    audit_record(
        action=AuditEvent.Action.CREATE,
        user=user,
        obj=enrolment,
        reason=reason,
        details={
            "recipient": enrolment.recipient_id,
            "area": enrolment.area_id,
            "application": enrolment.application_id,
        },
    )
    return enrolment


@transaction.atomic
def enrolment_create(
    *, recipient: Recipient, area, application=None, enrolled_on: dt.date | None = None, acting_user=None
) -> Enrolment:
    """Enrol a person in one batch's pilot area; the person's visits are re-verified at once.

    Enrolling again in the same area returns the enrolment there is (linking the approving
    application to it when it had none), so an approval of someone already enrolled changes nothing.
    """
    recipient = Recipient.objects.select_for_update().select_related("area").get(pk=recipient.pk)
    _materialise_household_enrolment(recipient, area, acting_user=acting_user)
    existing = Enrolment.objects.filter(recipient=recipient, area=area).first()
    if existing is not None:
        if application is not None and existing.application_id is None:
            existing.application = application
            existing._change_reason = str(_("Linked to the approving application"))
            existing.save(update_fields=["application", "updated_at"])
        return existing
    if area.cycle_start is None or area.cycle_end is None:
        raise DomainError(
            _("%(area)s has no project cycle yet; set its cycle before enrolling anyone there.") % {"area": area},
            field="area",
            code="area_without_cycle",
        )
    overlapping = [
        other
        for other in Enrolment.objects.filter(recipient=recipient).select_related("area")
        if other.area.cycle_start
        and other.area.cycle_start <= area.cycle_end
        and area.cycle_start <= other.area.cycle_end
        and (other.ended_on is None or other.ended_on >= area.cycle_start)
    ]
    if overlapping:
        # Two enrolments covering one day would leave the visits of that day two areas to count toward.
        raise DomainError(
            _(
                "%(name)s is already enrolled in %(other)s, whose cycle overlaps that of %(area)s; "
                "end that enrolment first."
            )
            % {"name": recipient.name, "other": overlapping[0].area, "area": area},
            field="area",
            code="enrolment_cycles_overlap",
        )
    enrolment = _save_new(
        Enrolment(
            recipient=recipient, area=area, application=application, enrolled_on=enrolled_on or timezone.localdate()
        ),
        acting_user=acting_user,
        reason=str(_("Enrolled")),
    )
    _reverify_recipient(recipient, "recipients.enrolment created", acting_user=acting_user)
    return enrolment


@transaction.atomic
def enrolment_end(*, enrolment: Enrolment, ended_on: dt.date, reason: str, acting_user=None) -> Enrolment:
    """End an enrolment on its last day (moved, died, declined); visits after that day stop counting."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason the enrolment ends."), field="end_reason", code="required")
    if len(reason) > END_REASON_MAX_LENGTH:
        raise DomainError(
            _("The reason is too long (at most %(max)d characters).") % {"max": END_REASON_MAX_LENGTH},
            field="end_reason",
            code="max_length",
        )
    locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if ended_on < locked.enrolled_on:
        raise DomainError(
            _("An enrolment cannot end (%(end)s) before the day it began (%(start)s).")
            % {"end": ended_on, "start": locked.enrolled_on},
            field="ended_on",
            code="end_before_start",
        )
    locked.ended_on, locked.end_reason = ended_on, reason
    if getattr(acting_user, "is_authenticated", False):
        locked._history_user = acting_user
    locked._change_reason = reason
    locked.save()
    audit_record(
        action=AuditEvent.Action.CHANGE,
        user=acting_user,
        obj=locked,
        reason=reason,
        details={"ended_on": ended_on.isoformat()},
    )
    _reverify_recipient(locked.recipient, "recipients.enrolment ended", acting_user=acting_user)
    return locked

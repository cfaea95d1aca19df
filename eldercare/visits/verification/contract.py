"""The invalidation contract: which change to which input invalidates which checks and figures.

`CONTRACT` is the one table that decides it: (model label, field) → `Invalidation`. Every service
that writes an input of a rule calls `invalidate(...)` in its own transaction; it consults the table
and writes the work into the durable recount queue (`core.RecountRequest`), which a Celery task
drains (`eldercare.rollups.queue`). A change that reaches one recipient's visits re-verifies them
at once, in the same transaction; one that reaches a whole area or batch leaves that to the drain.
Nothing else decides what to re-verify or recount, and the tests in `tests/contract/` are generated
from this table: a row added here is a row tested there.

Visits themselves (`visits.visit`, `visits.visitexception`) are re-verified by the visit services in
the same transaction, so the person entering a visit is told at once whether it counts; their rows
here say so (`Reverify.VISIT`) and the services queue the recount of every recipient touched.

The evidence of a visit (`visits.visitphoto`, `visits.visitconfirmation`) is written by other
services (photo upload, the older person's confirmation page). Each calls, in its own transaction,
either `invalidate(photo, ["kind"])` / `invalidate(confirmation, ["took_place"])` or, which is the
same, `reverify_visit_after_evidence(visit)`: the one visit is re-checked at once (a photo can clear a
missing-photo warning, a "did not take place" raises a dispute) and its recipient's recount queued.
A batch's evidence settings (`photos_required`, `confirmation_required`) re-verify the batch through
the queue's drain, like its other thresholds.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from eldercare.core.models import RecountRequest
from eldercare.core.queue import wake_recount_drain

from ..models import Visit
from .checks import verify_visits


class Reverify(IntEnum):
    """Which visits to check again; a larger value covers a smaller one."""

    NOTHING = 0
    VISIT = 1  # the visit and its caregiver's overlapping visits, at once, by the visit services
    RECIPIENT_FROM_DAY = 2  # the recipient's visits from the earlier of the old and new day
    RECIPIENT = 3  # every visit of the recipient
    AREA = 4  # every visit of the pilot area
    BATCH = 5  # every visit of every area of the batch


class Recount(IntEnum):
    NOTHING = 0
    RECIPIENT = 1  # the recipient's progress, then their area's and batch's totals
    AREA = 2  # every recipient of the area, then its totals
    BATCH = 3  # every area of the batch


@dataclass(frozen=True)
class Invalidation:
    reverify: Reverify
    recount: Recount
    why: str


def _rows(label: str, fields: Iterable[str], invalidation: Invalidation) -> dict:
    return {(label, name): invalidation for name in fields}


ELIGIBILITY = Invalidation(Reverify.RECIPIENT, Recount.RECIPIENT, "eligibility on the visit day (not eligible)")
CONTRACT: dict[tuple[str, str], Invalidation] = {
    **_rows("recipients.recipient", ["economic_category", "birth_date"], ELIGIBILITY),
    **_rows(
        "recipients.recipient",
        ["area"],
        Invalidation(Reverify.RECIPIENT, Recount.RECIPIENT, "the household area: its cycle and its totals"),
    ),
    **_rows(
        "recipients.recipient",
        ["home_latitude", "home_longitude"],
        Invalidation(Reverify.RECIPIENT, Recount.RECIPIENT, "distance of the check-in from home (far check-in)"),
    ),
    **_rows(
        "recipients.recipient",
        ["provider"],
        Invalidation(Reverify.NOTHING, Recount.RECIPIENT, "the provider comparison of the area"),
    ),
    **_rows(
        "recipients.capabilityassessment",
        ["recipient", "assessed_on", "level"],
        Invalidation(Reverify.RECIPIENT_FROM_DAY, Recount.RECIPIENT, "the assessment in force from its day on"),
    ),
    **_rows(
        "areas.pilotarea",
        ["cycle_start", "cycle_end"],
        Invalidation(Reverify.AREA, Recount.AREA, "visits outside the cycle; pace; beds accepted in the cycle"),
    ),
    **_rows(
        "areas.pilotarea",
        ["target_beds", "target_person_times", "target_satisfaction"],
        Invalidation(Reverify.NOTHING, Recount.AREA, "the targets stored beside the area's totals"),
    ),
    **_rows(
        "areas.batch",
        [
            "min_visit_minutes",
            "max_visit_hours",
            "checkin_radius_m",
            "late_entry_days",
            "visits_include_partial_disability",
        ],
        Invalidation(Reverify.BATCH, Recount.BATCH, "a verification threshold of the batch"),
    ),
    **_rows(
        "areas.batch",
        ["photos_required", "confirmation_required"],
        Invalidation(Reverify.BATCH, Recount.BATCH, "the batch's evidence rules (missing photo, unconfirmed)"),
    ),
    **_rows(
        "areas.batch",
        ["visits_per_person_time"],
        Invalidation(Reverify.NOTHING, Recount.BATCH, "the person-time threshold"),
    ),
    **_rows(
        "beds.familycarebed",
        ["status", "accepted_on", "area", "recipient"],
        Invalidation(Reverify.NOTHING, Recount.RECIPIENT, "beds accepted in the cycle"),
    ),
    **_rows(
        "areas.fundallocation",
        ["area", "use", "amount"],
        Invalidation(Reverify.NOTHING, Recount.AREA, "funds allocated"),
    ),
    **_rows(
        "areas.disbursement",
        ["area", "use", "amount", "paid_on"],
        Invalidation(Reverify.NOTHING, Recount.AREA, "funds disbursed"),
    ),
    **_rows(
        "visits.visit",
        [
            "recipient",
            "provider",
            "caregiver",
            "started_at",
            "ended_at",
            "checkin_latitude",
            "checkin_longitude",
            "status",
        ],
        Invalidation(Reverify.VISIT, Recount.RECIPIENT, "the visit's own checks and its caregiver's overlaps"),
    ),
    **_rows(
        "visits.visit",
        ["checkin_accuracy_m"],
        Invalidation(Reverify.VISIT, Recount.RECIPIENT, "far or imprecise check-in"),
    ),
    **_rows(
        "visits.visit",
        ["satisfaction", "satisfaction_source"],
        Invalidation(Reverify.NOTHING, Recount.RECIPIENT, "rated and satisfied visits"),
    ),
    # A photo or a confirmation is stored once for one visit and never moved: its row is its arrival.
    **_rows(
        "visits.visitphoto",
        ["kind"],
        Invalidation(Reverify.VISIT, Recount.RECIPIENT, "photos at the start and end (missing photo)"),
    ),
    **_rows(
        "visits.visitconfirmation",
        ["took_place"],
        Invalidation(Reverify.VISIT, Recount.RECIPIENT, "the older person's confirmation (unconfirmed, disputed)"),
    ),
    **_rows(
        "visits.visitexception",
        ["status"],
        Invalidation(Reverify.VISIT, Recount.RECIPIENT, "a reviewer's decision on an exception"),
    ),
}

# The earliest day there is: "every visit" as a `verify_from`.
EVERY_VISIT = dt.date(1, 1, 1)
# Records about one visit, written by services other than the visit services: `invalidate` re-checks
# their visit itself (`Reverify.VISIT`).
EVIDENCE_LABELS = frozenset({"visits.visitphoto", "visits.visitconfirmation"})


def invalidation_for(label: str, changed: Iterable[str]) -> Invalidation | None:
    """What changing these fields of a `label` record invalidates (the widest of its rows), or None."""
    rows = [CONTRACT[(label, name)] for name in changed if (label, name) in CONTRACT]
    if not rows:
        return None
    return Invalidation(
        reverify=max(row.reverify for row in rows),
        recount=max(row.recount for row in rows),
        why="; ".join(sorted({row.why for row in rows})),
    )


def changed_fields(obj: Model, before: dict) -> list[str]:
    """The names in `before` (field name → old value) whose value on `obj` differs now."""
    return [name for name, old in before.items() if _value(obj, name) != old]


def snapshot(obj: Model, names: Iterable[str]) -> dict:
    """The current values of these fields (foreign keys by id), to compare after a change."""
    return {name: _value(obj, name) for name in names}


def _value(obj: Model, name: str):
    field = obj._meta.get_field(name)
    return getattr(obj, field.attname)


def invalidate(obj: Model, changed: Iterable[str], *, before: dict | None = None, reason: str = "") -> bool:
    """Queue what a change to `obj` invalidates, per `CONTRACT`, in the caller's transaction.

    `before` holds the old values of the changed fields (a recipient's old area, an assessment's old
    day). Returns whether anything was queued. Re-verification of a visit itself (`Reverify.VISIT`)
    is the visit services' own, done before they call this; for a visit's evidence (a photo, a
    confirmation) it is done here, at once.
    """
    changed = list(changed)
    label = obj._meta.label_lower
    invalidation = invalidation_for(label, changed)
    if invalidation is None:
        return False
    before = before or {}
    reason = (reason or f"{label}.{','.join(sorted(changed))}")[:96]
    recipients, areas, since = _targets(obj, label, invalidation, before)
    if label in EVIDENCE_LABELS:
        visit_ids = {obj.visit_id, before.get("visit")} - {None}
        recipients |= verify_visits(sorted(visit_ids))
        since = None
    elif invalidation.reverify in (Reverify.RECIPIENT, Reverify.RECIPIENT_FROM_DAY):
        # A few hundred visits at most: checked now, in this transaction, so the person who made the
        # change sees its effect at once; their recount (and any overlap partner's) is queued.
        visits = Visit.objects.filter(recipient_id__in=recipients, service_date__gte=since)
        recipients |= verify_visits(list(visits.values_list("pk", flat=True)))
        since = None
    elif invalidation.reverify in (Reverify.NOTHING, Reverify.VISIT):
        since = None
    # Area- and batch-wide re-verification can mean millions of visits: the drain does it in batches.
    enqueue_recount(recipient_ids=recipients, area_ids=areas, verify_from=since, reason=reason)
    return True


def _targets(obj: Model, label: str, invalidation: Invalidation, before: dict):
    """The recipients and areas a change reaches, and from which day their visits need checking."""
    since = EVERY_VISIT
    if label == "areas.batch":
        return set(), set(obj.areas.values_list("pk", flat=True)), since
    if label in ("areas.pilotarea",):
        return set(), {obj.pk}, since
    if label in ("areas.fundallocation", "areas.disbursement"):
        return set(), {obj.area_id, before.get("area")} - {None}, since
    if label == "recipients.recipient":
        return {obj.pk}, set(), since
    if label == "recipients.capabilityassessment":
        days = [day for day in (obj.assessed_on, before.get("assessed_on")) if day]
        return {obj.recipient_id, before.get("recipient")} - {None}, set(), min(days) if days else since
    if label == "visits.visitexception":
        return {obj.visit.recipient_id}, set(), since
    if label in EVIDENCE_LABELS:
        return set(), set(), since  # the visit's recipient comes back from its re-check
    # visits.visit, beds.familycarebed: the record's recipient, before and after.
    return {obj.recipient_id, before.get("recipient")} - {None}, set(), since


def reverify_visit_after_evidence(visit: Visit | int, *, reason: str = "visits evidence") -> set[int]:
    """Re-check one visit after a photo or a confirmation of it was stored; queue its recipient's recount.

    Call it in the transaction that stored the evidence (as `invalidate` does for such a record).
    Returns the recipients whose recount was queued.
    """
    recipients = verify_visits([visit if isinstance(visit, int) else visit.pk])
    enqueue_recount(recipient_ids=recipients, reason=reason)
    return recipients


def enqueue_recount(
    *,
    recipient_ids: Iterable[int] = (),
    area_ids: Iterable[int] = (),
    verify_from: dt.date | None = None,
    reason: str = "",
) -> int:
    """Write recount work into the queue in the caller's transaction; wake the drain after commit."""
    rows = [
        RecountRequest(recipient_id=pk, verify_from=verify_from, reason=reason[:96])
        for pk in sorted(set(recipient_ids) - {None})
    ]
    rows += [
        RecountRequest(area_id=pk, verify_from=verify_from, reason=reason[:96]) for pk in sorted(set(area_ids) - {None})
    ]
    if not rows:
        return 0
    RecountRequest.objects.bulk_create(rows, batch_size=1000)
    transaction.on_commit(wake_recount_drain)
    return len(rows)


def enqueue_verification(*, visits: Iterable[tuple[int, dt.date]], reason: str) -> int:
    """Queue new visits, as (recipient id, service day), for verification and recount (bulk uploads).

    A new visit changes the checks of its own day only (its caregiver's overlaps are found by the
    check itself), so each row names one recipient and one day.
    """
    pairs = sorted(set(visits))
    if not pairs:
        return 0
    if connection.vendor == "postgresql":
        # A day's uploads queue 18,000 rows: one statement from two arrays, no model object per row.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {RecountRequest._meta.db_table} (recipient_id, verify_from, verify_until, reason,"
                " enqueued_at) SELECT pair.recipient_id, pair.day, pair.day, %(reason)s, %(now)s"
                " FROM unnest(%(recipients)s::bigint[], %(days)s::date[]) AS pair(recipient_id, day)",
                {
                    "recipients": [pk for pk, _day in pairs],
                    "days": [day for _pk, day in pairs],
                    "reason": reason[:96],
                    "now": timezone.now(),
                },
            )
    else:
        RecountRequest.objects.bulk_create(
            [
                RecountRequest(recipient_id=pk, verify_from=day, verify_until=day, reason=reason[:96])
                for pk, day in pairs
            ],
            batch_size=1000,
        )
    transaction.on_commit(wake_recount_drain)
    return len(pairs)

"""Which visits count toward a recipient's 30, and which are flagged for review.

The thresholds live in the batch (DOMAIN.md); this module is the only place that applies them.

1. `verify_visits(ids)` checks a set of visits with a handful of queries, stores one
   `VisitException` per finding, clears those that no longer apply and sets `Visit.is_countable`
   (completed, and no exception that holds it back). Admin, API, imports and the periodic job
   all call it.
2. A visit *counts* when it is countable and the first countable visit of its recipient that day
   (`count_decision` for one visit; `countable_visits` for the set-based roll-ups).

The check-in location and the evidence of presence (photos, the older person's answer) are
ruled on in `presence`, which `findings_for` calls.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eldercare.recipients.enrolments import covering_enrolment, enrolments_by_recipient, implicitly_enrolled
from eldercare.recipients.models import CapabilityAssessment
from eldercare.recipients.selectors import Purpose, assessment_in_force, eligibility_from

from ..models import (
    EXCEPTION_SEVERITY,
    HOLDING_STATUSES,
    ExceptionStatus,
    ExceptionType,
    Visit,
    VisitException,
    VisitStatus,
)
from .presence import NO_EVIDENCE, Evidence, Finding, checkin_finding, evidence_findings, load_evidence

# Overlap partners are looked for this far around the checked visits: visits longer than this
# are already flagged as too long, so no overlap can hide beyond it.
OVERLAP_SEARCH_MARGIN = dt.timedelta(days=1)
# Visits checked per round; each round costs a few queries whatever its size.
VERIFY_CHUNK = 2000


def findings_for(
    visit: Visit,
    *,
    assessments: list,
    overlapping: list[int],
    now: dt.datetime,
    evidence: Evidence,
    enrolments: list | None = None,
) -> list[Finding]:
    """Every exception a completed visit raises, given its recipient's assessments, enrolments, overlap
    partners and evidence (`enrolments` None: not loaded, the enrolment rule is not applied)."""
    area = visit.area
    batch = area.batch
    found: list[Finding] = []
    minutes = (visit.ended_at - visit.started_at).total_seconds() / 60
    if visit.started_at > now:
        found.append(Finding(ExceptionType.FUTURE_START))
    if not area.cycle_contains(visit.service_date):
        found.append(Finding(ExceptionType.OUTSIDE_CYCLE, f"{area.cycle_start or '—'} ~ {area.cycle_end or '—'}"))
    elif enrolments is not None:
        # Inside its area's cycle but no enrolment covers the day (ended, or held elsewhere only). A day
        # outside the cycle is already held back by OUTSIDE_CYCLE: one reason to review, not two.
        enrolment_finding = _enrolment_finding(visit, enrolments)
        if enrolment_finding is not None:
            found.append(enrolment_finding)
    if minutes < batch.min_visit_minutes:
        found.append(Finding(ExceptionType.TOO_SHORT, _("%(minutes)d min") % {"minutes": int(minutes)}))
    if minutes > batch.max_visit_hours * 60:
        found.append(Finding(ExceptionType.TOO_LONG, _("%(minutes)d min") % {"minutes": int(minutes)}))
    recipient = visit.recipient
    checkin = checkin_finding(visit, recipient, batch.checkin_radius_m)
    if checkin is not None:
        found.append(checkin)
    entered_at = visit.created_at or now
    if entered_at - visit.ended_at > dt.timedelta(days=batch.late_entry_days):
        days = (entered_at - visit.ended_at).days
        found.append(Finding(ExceptionType.LATE_ENTRY, _("entered %(days)d days later") % {"days": days}))
    eligibility = eligibility_from(
        recipient, assessment_in_force(assessments, visit.service_date), visit.service_date, purpose=Purpose.HOME_VISIT
    )
    if not eligibility:
        found.append(Finding(ExceptionType.NOT_ELIGIBLE, "；".join(str(reason) for reason in eligibility.reasons)))
    if overlapping:
        found.append(
            Finding(
                ExceptionType.CAREGIVER_OVERLAP,
                _("overlaps visit %(ids)s") % {"ids": ", ".join(f"#{pk}" for pk in sorted(overlapping)[:5])},
            )
        )
    found.extend(evidence_findings(batch, evidence))
    return [Finding(f.type, str(f.detail)[:255]) for f in found]


def _enrolment_finding(visit: Visit, enrolments: list) -> Finding | None:
    """NOT_ENROLLED when no enrolment of the recipient covers the visit's day (recipients.enrolments)."""
    if implicitly_enrolled(enrolments) or covering_enrolment(enrolments, visit.service_date) is not None:
        return None
    held = "；".join(
        f"{e.area} {e.area.cycle_start or '—'} ~ {e.ended_on or e.area.cycle_end or '—'}" for e in enrolments
    )
    return Finding(ExceptionType.NOT_ENROLLED, _("enrolled only in: %(enrolments)s") % {"enrolments": held})


def _overlaps(visits: list[Visit]) -> tuple[dict[int, list[int]], set[int]]:
    """Map each checked visit to the completed visits of the same caregiver whose times overlap it.

    Returns the map and the ids of partners outside the checked set (they need their own check).
    """
    # One query per service day of the checked visits: caregiver IN (…) and a narrow time range
    # is one index range scan per caregiver, however many caregivers or days the set spans.
    days: dict[dt.date, list] = {}
    for visit in visits:
        caregivers, start, end = days.get(visit.service_date, (set(), visit.started_at, visit.ended_at))
        caregivers.add(visit.caregiver_id)
        days[visit.service_date] = [caregivers, min(start, visit.started_at), max(end, visit.ended_at)]
    neighbours: dict[int, tuple] = {}
    for caregivers, start, end in days.values():
        # A visit starting before the lower bound would be too long to matter (flagged anyway).
        rows = Visit.objects.filter(
            caregiver_id__in=sorted(caregivers),
            status=VisitStatus.COMPLETED,
            started_at__gt=start - 2 * OVERLAP_SEARCH_MARGIN,
            started_at__lt=end + OVERLAP_SEARCH_MARGIN,
            ended_at__gt=start - OVERLAP_SEARCH_MARGIN,
        ).values_list("pk", "caregiver_id", "started_at", "ended_at")
        neighbours.update((row[0], row) for row in rows)
    by_caregiver: dict[int, list[tuple]] = defaultdict(list)
    for row in sorted(neighbours.values(), key=lambda row: (row[1], row[2], row[0])):
        by_caregiver[row[1]].append(row)
    partners: dict[int, list[int]] = defaultdict(list)
    for rows in by_caregiver.values():
        # Sweep in start order: each visit is compared with the earlier ones still running.
        running: list[tuple] = []
        for pk, _caregiver, start, end in rows:
            running = [other for other in running if other[3] > start]
            for other in running:
                partners[pk].append(other[0])
                partners[other[0]].append(pk)
            running.append((pk, _caregiver, start, end))
    checked = {visit.pk for visit in visits}
    completed_checked = {visit.pk for visit in visits if visit.status == VisitStatus.COMPLETED}
    outside = {other for pk in completed_checked for other in partners.get(pk, ())} - checked
    return partners, outside


def overlap_partner_ids(visit: Visit) -> list[int]:
    """Completed visits of the same caregiver that overlap this visit as it is stored now."""
    if visit.pk is None:
        return []
    return list(
        Visit.objects.filter(
            caregiver_id=visit.caregiver_id,
            status=VisitStatus.COMPLETED,
            started_at__lt=visit.ended_at,
            ended_at__gt=visit.started_at,
        )
        .exclude(pk=visit.pk)
        .values_list("pk", flat=True)
    )


def verify_visits(
    visit_ids: Iterable[int], *, reopen_ids: Iterable[int] = (), now: dt.datetime | None = None
) -> set[int]:
    """Check the visits, store their exceptions and countability; return the recipients touched.

    `reopen_ids` are visits whose content was just edited: an earlier acceptance no longer
    vouches for the new content, so their accepted exceptions are opened again.
    """
    now = now or timezone.now()
    pending = list(dict.fromkeys(visit_ids))
    reopen = set(reopen_ids)
    touched_recipients: set[int] = set()
    seen: set[int] = set()
    while pending:
        chunk, pending = pending[:VERIFY_CHUNK], pending[VERIFY_CHUNK:]
        chunk = [pk for pk in chunk if pk not in seen]
        seen.update(chunk)
        if not chunk:
            continue
        partners_outside, recipients = _verify_chunk(chunk, reopen=reopen, now=now)
        touched_recipients |= recipients
        pending.extend(pk for pk in partners_outside if pk not in seen)
    return touched_recipients


def derive_findings(visits: list[Visit], *, now: dt.datetime) -> tuple[dict[int, dict[str, str]], set[int]]:
    """What the rules say of these visits from the raw inputs alone (never the stored exceptions).

    Returns {visit id: {exception type: detail}} (empty for a voided visit) and the ids of overlap
    partners outside the set. `visits` must be loaded with `area__batch` and `recipient__area__batch`.
    """
    assessments: dict[int, list] = defaultdict(list)
    for assessment in CapabilityAssessment.objects.filter(
        recipient_id__in={visit.recipient_id for visit in visits}
    ).order_by("recipient_id", "assessed_on"):
        assessments[assessment.recipient_id].append(assessment)
    enrolments = enrolments_by_recipient({visit.recipient_id for visit in visits})
    partners, outside = _overlaps([visit for visit in visits if visit.status == VisitStatus.COMPLETED])
    evidence = load_evidence(visits)
    derived: dict[int, dict[str, str]] = {}
    for visit in visits:
        if visit.status == VisitStatus.VOIDED:
            derived[visit.pk] = {}
            continue
        findings = findings_for(
            visit,
            assessments=assessments[visit.recipient_id],
            overlapping=partners.get(visit.pk, []),
            now=now,
            evidence=evidence.get(visit.pk, NO_EVIDENCE),
            enrolments=enrolments.get(visit.recipient_id, []),
        )
        derived[visit.pk] = {finding.type: finding.detail for finding in findings}
    return derived, outside


def visits_for_checking(visit_ids: Iterable[int]):
    """The visits with everything `findings_for` reads, in one query."""
    return (
        Visit.objects.filter(pk__in=list(visit_ids))
        .select_related("area__batch", "recipient__area__batch")
        .order_by("pk")
    )


@transaction.atomic
def _verify_chunk(visit_ids: list[int], *, reopen: set[int], now: dt.datetime) -> tuple[set[int], set[int]]:
    visits = list(visits_for_checking(visit_ids).select_for_update(of=("self",)))
    derived, outside = derive_findings(visits, now=now)

    existing: dict[tuple[int, str], VisitException] = {
        (exception.visit_id, exception.type): exception
        for exception in VisitException.objects.filter(visit_id__in=visit_ids)
    }
    to_create: list[VisitException] = []
    to_update: list[VisitException] = []
    for visit in visits:
        wanted = derived[visit.pk]
        for exception_type, detail in wanted.items():
            current = existing.get((visit.pk, exception_type))
            if current is None:
                to_create.append(
                    VisitException(
                        visit=visit,
                        type=exception_type,
                        severity=EXCEPTION_SEVERITY[exception_type],
                        detail=detail,
                        area_id=visit.area_id,
                        provider_id=visit.provider_id,
                    )
                )
            elif current.status == ExceptionStatus.CLEARED or (
                visit.pk in reopen and current.status == ExceptionStatus.ACCEPTED
            ):
                _reopen(current, detail)
                to_update.append(current)
            elif current.detail != detail and current.status == ExceptionStatus.OPEN:
                current.detail = detail
                to_update.append(current)
        for (visit_pk, exception_type), current in existing.items():
            if visit_pk != visit.pk or exception_type in wanted or current.status not in HOLDING_STATUSES:
                continue
            if visit.status == VisitStatus.VOIDED:
                current.status = ExceptionStatus.VOIDED
                current.resolved_at = current.resolved_at or now
            else:
                current.status = ExceptionStatus.CLEARED
            to_update.append(current)

    # The review queue files an exception under its visit's area and provider (copied to filter
    # without joins): a visit moved to another provider or area takes its exceptions along.
    by_pk = {visit.pk: visit for visit in visits}
    pending = {id(exception) for exception in to_update}
    for (visit_pk, _type), current in existing.items():
        visit = by_pk.get(visit_pk)
        if visit is None or (current.area_id, current.provider_id) == (visit.area_id, visit.provider_id):
            continue
        current.area_id, current.provider_id = visit.area_id, visit.provider_id
        if id(current) not in pending:
            to_update.append(current)
            pending.add(id(current))

    VisitException.objects.bulk_create(to_create)
    for exception in to_update:
        exception._change_reason = str(_("Re-checked after a change"))
        exception.save()
    _store_countability(visit_ids)
    return outside, {visit.recipient_id for visit in visits}


def _reopen(exception: VisitException, detail: str) -> None:
    exception.status = ExceptionStatus.OPEN
    exception.detail = detail
    exception.reason_code = None
    exception.resolution_note = ""
    exception.resolved_at = None
    exception.resolved_by = None


def holding_exception_exists():
    return Exists(VisitException.objects.filter(visit=OuterRef("pk"), status__in=HOLDING_STATUSES))


def _store_countability(visit_ids: list[int]) -> None:
    scope = Visit.objects.filter(pk__in=visit_ids)
    should_count = Q(status=VisitStatus.COMPLETED) & ~holding_exception_exists()
    scope.filter(should_count, is_countable=False).update(is_countable=True)
    scope.filter(~should_count, is_countable=True).update(is_countable=False)


def countable_visits():
    """Visits that pass verification; at most one of them a recipient a day counts."""
    return Visit.objects.filter(is_countable=True)


@dataclass(frozen=True)
class CountDecision:
    counts: bool
    reasons: tuple[str, ...]


def count_decision(visit: Visit) -> CountDecision:
    """Whether this visit counts toward its recipient's 30, and every reason why not."""
    # Exceptions elsewhere (an overlap, a new assessment) may have changed it since it was loaded.
    visit.refresh_from_db(fields=["status", "void_reason", "is_countable"])
    reasons: list[str] = []
    if visit.status == VisitStatus.VOIDED:
        reasons.append(str(_("voided: %(reason)s") % {"reason": visit.void_reason}))
    for exception in visit.exceptions.filter(status__in=HOLDING_STATUSES).order_by("type"):
        reasons.append(f"{exception.get_type_display()}（{exception.get_status_display()}）")
    if not reasons and not visit.is_countable:
        reasons.append(str(_("not yet verified")))
    if not reasons:
        earlier = (
            countable_visits()
            .filter(recipient_id=visit.recipient_id, service_date=visit.service_date)
            .filter(Q(started_at__lt=visit.started_at) | Q(started_at=visit.started_at, pk__lt=visit.pk))
            .first()
        )
        if earlier is not None:
            reasons.append(str(_("visit #%(pk)s already counts for that day") % {"pk": earlier.pk}))
    return CountDecision(counts=not reasons, reasons=tuple(reasons))


def verify_open_window(*, days: int | None = None, today: dt.date | None = None, area=None) -> set[int]:
    """The periodic re-check: recent visits (a visit logged late can overlap them), future-dated
    ones, and any that were never verified.

    Returns the recipients touched; the reconcile that follows recounts everything anyway.
    """
    from django.conf import settings

    days = days if days is not None else settings.VISIT_RECHECK_DAYS
    today = today or timezone.localdate()
    visits = Visit.objects.filter(area=area) if area is not None else Visit.objects.all()
    exceptions = VisitException.objects.filter(area=area) if area is not None else VisitException.objects.all()
    recent = visits.filter(service_date__gte=today - dt.timedelta(days=days)).values_list("pk", flat=True)
    future = exceptions.filter(type=ExceptionType.FUTURE_START, status__in=HOLDING_STATUSES).values_list(
        "visit_id", flat=True
    )
    # Completed, not countable and nothing holding it back: never verified (an upload whose
    # verification could not be queued) or left stale; either way it needs a check.
    unverified = (
        visits.filter(status=VisitStatus.COMPLETED, is_countable=False)
        .exclude(holding_exception_exists())
        .values_list("pk", flat=True)
    )
    return verify_visits([*recent.iterator(), *future.iterator(), *unverified.iterator()])

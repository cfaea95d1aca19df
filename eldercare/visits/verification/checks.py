"""Which visits count toward a recipient's 30, and which are flagged for review: the Python form.

The thresholds live in the batch (DOMAIN.md); the rules that apply them are in `rules` (and
`presence` for the check-in and the evidence), on plain values. Two forms compose them:

1. here, one visit at a time: `findings_for(visit, …)`, and `derive_findings(visits)` over loaded
   visits (the deep check of the roll-ups re-derives with it, independently of the stored state);
2. `query.derive_findings_in_db`, the query form, set-based: a few statements narrow a set of visits
   to those that may raise each exception and read only their inputs, then the same rule functions
   decide and word them. `verify_visits(ids)` (in `store`) stores what it finds and
   `Visit.is_countable`. A parity test (tests/rules/test_verification_parity.py) holds the two forms
   to the same findings and details on many generated cases.

A visit *counts* when it is countable and the first countable visit of its recipient that day
(`count_decision` for one visit, from the stored exceptions; `countable_visits` for the roll-ups).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from eldercare.recipients.enrolments import enrolments_by_recipient
from eldercare.recipients.models import CapabilityAssessment
from eldercare.recipients.selectors import assessment_in_force

from ..models import HOLDING_STATUSES, Visit, VisitStatus
from .details import clipped
from .presence import NO_EVIDENCE, Evidence, Finding, checkin_finding, evidence_findings, load_evidence
from .rules import (
    OVERLAP_SEARCH_MARGIN,
    OVERLAP_WINDOW,
    cycle_finding,
    eligibility_finding,
    enrolment_finding,
    future_finding,
    late_finding,
    length_findings,
    overlap_finding,
)
from .store import VERIFY_ROUND, holding_exception_exists, verify_open_window, verify_visits

# Visits the Python form derives per round (the deep check of the roll-ups holds this many model objects).
VERIFY_CHUNK = 2000

__all__ = [
    "OVERLAP_SEARCH_MARGIN",
    "OVERLAP_WINDOW",
    "VERIFY_CHUNK",
    "VERIFY_ROUND",
    "CountDecision",
    "count_decision",
    "countable_visits",
    "derive_findings",
    "findings_for",
    "holding_exception_exists",
    "overlap_partner_ids",
    "verify_open_window",
    "verify_visits",
    "visits_for_checking",
]


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
    partners and evidence (`enrolments` None: not loaded, the enrolment rule is not applied).

    Each rule is a function of `rules` (or `presence`) that the query form calls too.
    """
    area = visit.area
    batch = area.batch
    found: list[Finding] = []
    if visit.started_at > now:
        found.append(future_finding())
    if not area.cycle_contains(visit.service_date):
        found.append(cycle_finding(area.cycle_start, area.cycle_end))
    elif enrolments is not None:
        # Inside its area's cycle but no enrolment covers the day (ended, or held elsewhere only). A day
        # outside the cycle is already held back by OUTSIDE_CYCLE: one reason to review, not two.
        not_enrolled = enrolment_finding(visit.service_date, enrolments)
        if not_enrolled is not None:
            found.append(not_enrolled)
    found.extend(length_findings(batch, visit.ended_at - visit.started_at))
    recipient = visit.recipient
    checkin = checkin_finding(visit, recipient, batch.checkin_radius_m)
    if checkin is not None:
        found.append(checkin)
    late = late_finding(batch, (visit.created_at or now) - visit.ended_at)
    if late is not None:
        found.append(late)
    in_force = assessment_in_force(assessments, visit.service_date)
    eligibility = eligibility_finding(recipient, in_force, visit.service_date)
    if eligibility is not None:
        found.append(eligibility)
    if overlapping:
        found.append(overlap_finding(overlapping))
    found.extend(evidence_findings(batch, evidence))
    return [Finding(f.type, clipped(f.detail)) for f in found]


def _overlaps(visits: list[Visit]) -> tuple[dict[int, list[int]], set[int]]:
    """Map each checked visit to the completed visits of the same caregiver whose times overlap it
    (among those starting less than OVERLAP_WINDOW apart, as the query form compares them).

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
            running = [other for other in running if other[3] > start and start - other[2] < OVERLAP_WINDOW]
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

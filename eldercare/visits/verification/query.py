"""The query form of the verification rules: what a set of visits raises, in two statements.

1. The facts statement joins each completed visit of the set to its area, batch, recipient, the
   assessment in force on its day, its enrolments, photos and confirmation, computes in the database
   what each rule compares (lengths and entry delays exactly, the distance from home, the age, the
   eligible levels) and returns only the visits that may raise an exception, each
   with only the inputs of the rules it may break: no model objects, no timestamps read into Python.
2. The overlap statement pairs completed visits of one caregiver whose times overlap (an index
   range on (caregiver, start) per visit, bounded by OVERLAP_WINDOW as in the Python form).

Then the rule functions of `rules` and `presence` decide and word each exception for those visits
only, as `checks.findings_for` does for one visit: a threshold is compared in one place, and the
statements only narrow (where they compare floats, the distance, they narrow with a metre to spare,
so a rounding difference can never hide a check-in the rule would flag). The parity test
(tests/rules/test_verification_parity.py) holds this form to `findings_for` on many generated cases.

Runs on PostgreSQL and SQLite; the few spellings that differ are in `dialect.Dialect`.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from types import SimpleNamespace

from django.db import connection

from eldercare.areas.models import Batch, PilotArea
from eldercare.core.geo import EARTH_RADIUS_M
from eldercare.recipients.enrolments import enrolments_by_recipient
from eldercare.recipients.models import (
    DISABLED_LEVELS,
    MINIMUM_AGE,
    PARTIALLY_DISABLED_LEVELS,
    CapabilityAssessment,
    EconomicCategory,
    Enrolment,
    Recipient,
)

from ..models import PhotoKind, Visit, VisitConfirmation, VisitPhoto, VisitStatus
from .details import clipped
from .dialect import Dialect, Scope, placeholders
from .presence import Evidence, Finding, checkin_finding, evidence_findings
from .rules import (
    OVERLAP_WINDOW,
    cycle_finding,
    eligibility_finding,
    enrolment_finding,
    future_finding,
    late_finding,
    length_findings,
    overlap_finding,
)

# Metres the distance statement leaves to the check-in rule: float arithmetic in the database and
# in Python may differ in the last bits, never by this much.
DISTANCE_SLACK_M = 1
MICROSECONDS = {"minute": 60_000_000, "hour": 3_600_000_000, "day": 86_400_000_000}


def _distance(d: Dialect) -> str:
    """The haversine distance from home to the check-in in metres, as `core.geo.great_circle_distance_m`."""
    lat1, lng1 = d.float("v.checkin_latitude"), d.float("v.checkin_longitude")
    lat2, lng2 = d.float("r.home_latitude"), d.float("r.home_longitude")
    haversine = (
        f"POWER(SIN((RADIANS({lat2}) - RADIANS({lat1})) / 2), 2)"
        f" + COS(RADIANS({lat1})) * COS(RADIANS({lat2})) * POWER(SIN(RADIANS({lng2} - {lng1}) / 2), 2)"
    )
    return f"2 * %(earth_radius)s * ASIN(SQRT({d.least(haversine, '1.0')}))"


def _facts_sql(d: Dialect, scope: Scope, now: dt.datetime) -> tuple[str, dict]:
    disabled, disabled_params = placeholders("disabled", DISABLED_LEVELS)
    partial, partial_params = placeholders("partial", PARTIALLY_DISABLED_LEVELS)
    tables = {
        "visit": Visit._meta.db_table,
        "area": PilotArea._meta.db_table,
        "batch": Batch._meta.db_table,
        "recipient": Recipient._meta.db_table,
        "assessment": CapabilityAssessment._meta.db_table,
        "enrolment": Enrolment._meta.db_table,
        "photo": VisitPhoto._meta.db_table,
        "confirmation": VisitConfirmation._meta.db_table,
    }
    # Each rule's narrowing, on the facts below. Comparisons with NULL are false (COALESCE): a visit
    # without coordinates or an answer raises nothing by them.
    shortest, longest = d.span_of("f.min_visit_minutes", "minute"), d.span_of("f.max_visit_hours", "hour")
    length = f"(f.length < {shortest} OR f.length > {longest})"
    late = f"f.entered_after > {d.span_of('f.late_entry_days', 'day')}"
    checkin = (
        "COALESCE(f.distance > f.checkin_radius_m - %(slack)s OR f.checkin_accuracy_m > f.checkin_radius_m, false)"
    )
    # Eligibility (recipients.selectors.eligibility_from) narrowed: younger than the minimum age by the
    # 60th birthday's date (the birthday itself included: `eligibility_from` decides), no economic
    # difficulty, no assessment in force, or a level outside those `eligible_levels` allows home
    # visits, which reads the batch of the household area (`rb`), not the visit's.
    ineligible = (
        f"(f.young OR f.economic_category = %(no_difficulty)s OR f.level IS NULL"
        f" OR NOT (f.level IN ({disabled}) OR (f.partial_ok AND f.level IN ({partial}))))"
    )
    not_enrolled = "(f.in_cycle AND f.held IS NOT NULL AND f.covered IS NULL)"
    evidence = (
        "((f.photos_required AND (f.has_start = 0 OR f.has_end = 0))"
        " OR (f.confirmation_required AND f.answered IS NULL) OR f.took_place = %(false)s)"
    )
    sql = f"""
WITH scoped AS (
    SELECT v.id, v.recipient_id, v.area_id, v.provider_id, v.service_date, v.started_at, v.ended_at,
           v.created_at, v.checkin_latitude, v.checkin_longitude, v.checkin_accuracy_m
    FROM {tables["visit"]} v
    WHERE {scope.where("v.id", d)} AND v.status = %(completed)s
),
periods AS (
    SELECT s.recipient_id, s.assessed_on, s.level,
           LEAD(s.assessed_on) OVER (PARTITION BY s.recipient_id ORDER BY s.assessed_on) AS replaced_on
    FROM {tables["assessment"]} s
    WHERE s.recipient_id IN (SELECT recipient_id FROM scoped)
),
held AS (
    SELECT DISTINCT e.recipient_id FROM {tables["enrolment"]} e
    WHERE e.recipient_id IN (SELECT recipient_id FROM scoped)
),
covered AS (
    SELECT DISTINCT v.id
    FROM scoped v
    JOIN {tables["enrolment"]} e ON e.recipient_id = v.recipient_id
    JOIN {tables["area"]} ea ON ea.id = e.area_id
    WHERE ea.cycle_start IS NOT NULL AND ea.cycle_end IS NOT NULL
      AND v.service_date >= ea.cycle_start AND v.service_date <= ea.cycle_end
      AND (e.ended_on IS NULL OR v.service_date <= e.ended_on)
),
shots AS (
    SELECT p.visit_id,
           MAX(CASE WHEN p.kind = %(photo_start)s THEN 1 ELSE 0 END) AS has_start,
           MAX(CASE WHEN p.kind = %(photo_end)s THEN 1 ELSE 0 END) AS has_end
    FROM {tables["photo"]} p
    WHERE p.visit_id IN (SELECT id FROM scoped)
    GROUP BY p.visit_id
),
facts AS (
    SELECT v.id, v.area_id, v.provider_id, v.recipient_id, v.service_date,
           v.started_at > %(now)s AS future,
           (a.cycle_start IS NOT NULL AND a.cycle_end IS NOT NULL
            AND v.service_date >= a.cycle_start AND v.service_date <= a.cycle_end) AS in_cycle,
           a.cycle_start, a.cycle_end,
           {d.span("v.ended_at", "v.started_at")} AS length,
           {d.span("COALESCE(v.created_at, %(now)s)", "v.ended_at")} AS entered_after,
           b.min_visit_minutes, b.max_visit_hours, b.late_entry_days, b.checkin_radius_m,
           b.photos_required, b.confirmation_required,
           v.checkin_latitude, v.checkin_longitude, v.checkin_accuracy_m, r.home_latitude, r.home_longitude,
           CASE WHEN v.checkin_latitude IS NOT NULL AND v.checkin_longitude IS NOT NULL
                 AND r.home_latitude IS NOT NULL AND r.home_longitude IS NOT NULL
                THEN {_distance(d)} END AS distance,
           v.service_date <= {d.years_after("r.birth_date", "%(minimum_age)s")} AS young,
           r.birth_date, r.economic_category, rb.visits_include_partial_disability AS partial_ok,
           pe.level, pe.assessed_on,
           h.recipient_id AS held, cv.id AS covered,
           COALESCE(sh.has_start, 0) AS has_start, COALESCE(sh.has_end, 0) AS has_end,
           c.visit_id AS answered, c.took_place
    FROM scoped v
    JOIN {tables["area"]} a ON a.id = v.area_id
    JOIN {tables["batch"]} b ON b.id = a.batch_id
    JOIN {tables["recipient"]} r ON r.id = v.recipient_id
    JOIN {tables["area"]} ra ON ra.id = r.area_id
    JOIN {tables["batch"]} rb ON rb.id = ra.batch_id
    LEFT JOIN periods pe ON pe.recipient_id = v.recipient_id AND pe.assessed_on <= v.service_date
         AND (pe.replaced_on IS NULL OR pe.replaced_on > v.service_date)
    LEFT JOIN held h ON h.recipient_id = v.recipient_id
    LEFT JOIN covered cv ON cv.id = v.id
    LEFT JOIN shots sh ON sh.visit_id = v.id
    LEFT JOIN {tables["confirmation"]} c ON c.visit_id = v.id
),
narrowed AS (
    SELECT f.*, {length} AS length_hit, {late} AS late_hit, {checkin} AS checkin_hit,
           {ineligible} AS ineligible_hit, {not_enrolled} AS enrolment_hit, {evidence} AS evidence_hit
    FROM facts f
)
SELECT n.id, n.area_id, n.provider_id, n.recipient_id, n.future,
       n.in_cycle, CASE WHEN NOT n.in_cycle THEN n.cycle_start END, CASE WHEN NOT n.in_cycle THEN n.cycle_end END,
       CASE WHEN n.length_hit THEN {d.span_microseconds("n.length")} END, n.min_visit_minutes, n.max_visit_hours,
       CASE WHEN n.late_hit THEN {d.span_microseconds("n.entered_after")} END, n.late_entry_days,
       n.checkin_hit, n.checkin_radius_m,
       CASE WHEN n.checkin_hit THEN n.checkin_latitude END, CASE WHEN n.checkin_hit THEN n.checkin_longitude END,
       CASE WHEN n.checkin_hit THEN n.checkin_accuracy_m END,
       CASE WHEN n.checkin_hit THEN n.home_latitude END, CASE WHEN n.checkin_hit THEN n.home_longitude END,
       n.ineligible_hit, n.enrolment_hit,
       CASE WHEN n.ineligible_hit OR n.enrolment_hit THEN n.service_date END,
       CASE WHEN n.ineligible_hit THEN n.birth_date END, CASE WHEN n.ineligible_hit THEN n.economic_category END,
       n.partial_ok, CASE WHEN n.ineligible_hit THEN n.level END, CASE WHEN n.ineligible_hit THEN n.assessed_on END,
       n.evidence_hit, n.photos_required, n.confirmation_required, n.has_start, n.has_end, n.took_place
FROM narrowed n
WHERE n.future OR NOT n.in_cycle OR n.length_hit OR n.late_hit OR n.checkin_hit
   OR n.ineligible_hit OR n.enrolment_hit OR n.evidence_hit
"""
    params = {
        **scope.params(d),
        **disabled_params,
        **partial_params,
        "completed": VisitStatus.COMPLETED.value,
        "now": d.moment(now),
        **({} if d.postgresql else MICROSECONDS),
        "slack": DISTANCE_SLACK_M,
        "earth_radius": EARTH_RADIUS_M,
        "minimum_age": MINIMUM_AGE,
        "no_difficulty": EconomicCategory.NONE.value,
        "photo_start": PhotoKind.START.value,
        "photo_end": PhotoKind.END.value,
        "false": False,
    }
    return sql, params


# Completed visits that overlap another completed visit of their caregiver, whatever the window: one
# that ends after a later one starts, or starts before an earlier one (any earlier) has ended. A
# superset of the visits with partners, found with one sort of the table instead of a lookup a visit.
OVERLAPPING_SQL = """
SELECT id FROM (
    SELECT id, started_at, ended_at,
           MAX(ended_at) OVER (PARTITION BY caregiver_id ORDER BY started_at, id
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_end,
           LEAD(started_at) OVER (PARTITION BY caregiver_id ORDER BY started_at, id) AS next_start
    FROM {visit} WHERE status = %(completed)s
) ordered
WHERE earlier_end > started_at OR next_start < ended_at
"""


def _overlap_sql(d: Dialect, scope: Scope) -> tuple[str, dict]:
    table = Visit._meta.db_table
    narrowed = f" AND a.id IN (SELECT id FROM {scope.overlapping})" if scope.overlapping else ""
    sql = f"""
SELECT a.id, a.area_id, a.provider_id, b.id
FROM {table} a
JOIN {table} b ON b.caregiver_id = a.caregiver_id AND b.id <> a.id
WHERE {scope.where("a.id", d)}{narrowed} AND a.status = %(completed)s AND b.status = %(completed)s
  AND b.started_at < a.ended_at AND b.ended_at > a.started_at AND {d.starts_within_window("a", "b")}
"""
    window_us = OVERLAP_WINDOW // dt.timedelta(microseconds=1)
    params = {"completed": VisitStatus.COMPLETED.value}
    params.update({"window": OVERLAP_WINDOW} if d.postgresql else {"window_us": window_us})
    return sql, {**scope.params(d), **params}


@dataclass
class Derived:
    """What the rules say of a set of visits: the findings of each visit that raises one, where it is filed
    (area, provider), and the overlap partners outside the set (they need a check of their own)."""

    findings: dict[int, dict[str, str]]
    filed: dict[int, tuple[int, int]]
    outside: set[int]


def _day(value) -> dt.date | None:
    # SQLite hands dates back as text once they pass through an expression.
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def derive_findings_in_db(scope: Scope, *, now: dt.datetime) -> Derived:
    """The findings of the completed visits in `scope` (voided ones raise none), set-based."""
    dialect = Dialect(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(*_facts_sql(dialect, scope, now))
        rows = cursor.fetchall()
        cursor.execute(*_overlap_sql(dialect, scope))
        pairs = cursor.fetchall()
    partners: dict[int, list[int]] = defaultdict(list)
    filed: dict[int, tuple[int, int]] = {}
    for visit_id, area_id, provider_id, partner_id in pairs:
        partners[visit_id].append(partner_id)
        filed[visit_id] = (area_id, provider_id)
    unenrolled = {row[3] for row in rows if row[21]}
    enrolments = enrolments_by_recipient(unenrolled) if unenrolled else {}
    findings: dict[int, dict[str, str]] = {}
    for row in rows:
        filed[row[0]] = (row[1], row[2])
        findings[row[0]] = _render(row, enrolments)
    for visit_id, found in partners.items():
        overlap = overlap_finding(found)
        findings.setdefault(visit_id, {})[overlap.type] = clipped(overlap.detail)
    named = {partner for found in partners.values() for partner in found}
    if scope.ids is not None:
        outside = named - set(scope.ids)
    else:
        outside = {partner for partner in named if not scope.first <= partner < scope.last}
    return Derived(findings={pk: found for pk, found in findings.items() if found}, filed=filed, outside=outside)


def _render(row, enrolments) -> dict[str, str]:
    """Decide and word each exception of one narrowed visit with the rule functions `findings_for` calls."""
    (
        _id, _area, _provider, recipient_id, future,
        in_cycle, cycle_start, cycle_end,
        length_us, min_visit_minutes, max_visit_hours,
        entered_after_us, late_entry_days,
        checkin_hit, radius, checkin_latitude, checkin_longitude, accuracy, home_latitude, home_longitude,
        ineligible_hit, enrolment_hit, service_date, birth_date, economic_category, partial_ok, level, assessed_on,
        evidence_hit, photos_required, confirmation_required, has_start, has_end, took_place,
    ) = row  # fmt: skip
    batch = SimpleNamespace(
        min_visit_minutes=min_visit_minutes,
        max_visit_hours=max_visit_hours,
        late_entry_days=late_entry_days,
        photos_required=bool(photos_required),
        confirmation_required=bool(confirmation_required),
    )
    service_date = _day(service_date)
    found: list[Finding] = []
    if future:
        found.append(future_finding())
    if not in_cycle:
        found.append(cycle_finding(_day(cycle_start), _day(cycle_end)))
    elif enrolment_hit:
        not_enrolled = enrolment_finding(service_date, enrolments.get(recipient_id, []))
        if not_enrolled is not None:
            found.append(not_enrolled)
    if length_us is not None:
        found.extend(length_findings(batch, dt.timedelta(microseconds=int(length_us))))
    if checkin_hit:
        checkin = checkin_finding(
            SimpleNamespace(
                checkin_latitude=checkin_latitude, checkin_longitude=checkin_longitude, checkin_accuracy_m=accuracy
            ),
            SimpleNamespace(home_latitude=home_latitude, home_longitude=home_longitude),
            radius,
        )
        if checkin is not None:
            found.append(checkin)
    if entered_after_us is not None:
        late = late_finding(batch, dt.timedelta(microseconds=int(entered_after_us)))
        if late is not None:
            found.append(late)
    if ineligible_hit:
        recipient = SimpleNamespace(
            birth_date=_day(birth_date),
            economic_category=economic_category,
            area=SimpleNamespace(batch=SimpleNamespace(visits_include_partial_disability=bool(partial_ok))),
        )
        assessment = None if level is None else CapabilityAssessment(level=level, assessed_on=_day(assessed_on))
        ineligible = eligibility_finding(recipient, assessment, service_date)
        if ineligible is not None:
            found.append(ineligible)
    if evidence_hit:
        kinds = {kind for kind, taken in ((PhotoKind.START, has_start), (PhotoKind.END, has_end)) if taken}
        took = None if took_place is None else bool(took_place)
        found.extend(evidence_findings(batch, Evidence(photo_kinds=frozenset(kinds), took_place=took)))
    return {finding.type: clipped(finding.detail) for finding in found}
